"""What the provider hands the platform's worker: its two queues and its two sweeps."""

from __future__ import annotations

from openivan.platform import jobs
from openivan.provider import tasks
from openivan.provider.models import JobKind, TransactionJob
from openivan.provider.services import certificates
from openivan.provider.states import JOB, JOB_STATES


def register() -> None:
    # Sending talks to one server, the agency's gateway: out of reach, the queue rests rather
    # than holding the worker's emails for a timeout per transaction. Signing talks to each
    # unit's own signing service: one away says nothing of the others.
    for name, handler, kind, away in (
            (tasks.SIGN_QUEUE, tasks.sign, JobKind.SIGN, None),
            (tasks.SEND_QUEUE, tasks.send, JobKind.SEND, tasks.agency_away)):
        jobs.register_queue(name, handler, model=TransactionJob, machine=JOB,
                            states=JOB_STATES, settings_prefix="OPENIVAN_PROVIDER_JOB",
                            due=tasks.of_kind(kind), log=tasks.note_attempt, away=away)
    jobs.register_periodic("provider.signed_not_queued", tasks.queue_signed)
    jobs.register_periodic("provider.decisions", tasks.poll_decisions, every_seconds=60)
    jobs.register_periodic("provider.expiry_warnings", certificates.warn_expiring,
                           every_seconds=3600)
