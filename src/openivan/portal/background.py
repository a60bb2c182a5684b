"""What the portal hands the platform's worker: its queues and sweeps."""

from __future__ import annotations

from django.conf import settings

from openivan.platform import jobs
from openivan.portal import tasks
from openivan.portal.models import DeclarationJob, JobKind, RemoteSigning
from openivan.portal.services import decisions, desk, records, remote_signing
from openivan.portal.states import JOB, JOB_STATES, REMOTE_SIGNING


def register() -> None:
    jobs.register_queue(tasks.PROCESS_QUEUE, tasks.process, model=DeclarationJob, machine=JOB,
                        states=JOB_STATES, settings_prefix="OPENIVAN_PORTAL_JOB",
                        due=tasks.of_kind(JobKind.PROCESS), log=tasks.note_attempt)
    # Ký từ xa: the holder may approve on a phone for minutes; a service out of reach is
    # tried again with the processing's backoff and attempts.
    jobs.register_queue(remote_signing.QUEUE, remote_signing.sign, model=RemoteSigning,
                        machine=REMOTE_SIGNING, states=JOB_STATES,
                        settings_prefix="OPENIVAN_PORTAL_JOB", log=remote_signing.note_attempt,
                        done_fields=remote_signing.wiped, retryable=remote_signing.retryable)
    jobs.register_periodic("portal.answer_times", decisions.record_answer_times,
                           every_seconds=settings.OPENIVAN_PORTAL_ANSWER_SWEEP_SECONDS)
    register_desk()


def register_desk() -> None:
    """The reception desk's sweeps: declarations never filed (reminder on day 7, cancelled on
    day 10), and the records imports uploaded in the console (one at a time per worker)."""
    jobs.register_periodic("portal.desk_remind", desk.remind_unfiled)
    jobs.register_periodic("portal.desk_cancel", desk.cancel_unfiled)
    jobs.register_periodic("portal.records_import", records.run_pending_imports,
                           every_seconds=5)
