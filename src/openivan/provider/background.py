"""What the provider hands the platform's worker: its two queues and its two sweeps."""

from __future__ import annotations

from openivan.platform import jobs
from openivan.provider import tasks
from openivan.provider.models import JobKind, TransactionJob
from openivan.provider.services import certificates
from openivan.provider.states import JOB, JOB_STATES


def register() -> None:
    for name, handler, kind in ((tasks.SIGN_QUEUE, tasks.sign, JobKind.SIGN),
                                (tasks.SEND_QUEUE, tasks.send, JobKind.SEND)):
        jobs.register_queue(name, handler, model=TransactionJob, machine=JOB,
                            states=JOB_STATES, settings_prefix="OPENIVAN_PROVIDER_JOB",
                            due=tasks.of_kind(kind), log=tasks.note_attempt)
    jobs.register_periodic("provider.signed_not_queued", tasks.queue_signed)
    jobs.register_periodic("provider.decisions", tasks.poll_decisions, every_seconds=60)
    jobs.register_periodic("provider.expiry_warnings", certificates.warn_expiring,
                           every_seconds=3600)
