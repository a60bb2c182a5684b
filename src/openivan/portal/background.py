"""What the portal hands the platform's worker: its queues and sweeps."""

from __future__ import annotations

from django.conf import settings

from openivan.platform import jobs
from openivan.portal import tasks
from openivan.portal.models import DeclarationJob, JobKind
from openivan.portal.services import decisions, desk, records
from openivan.portal.states import JOB, JOB_STATES


def register() -> None:
    jobs.register_queue(tasks.PROCESS_QUEUE, tasks.process, model=DeclarationJob, machine=JOB,
                        states=JOB_STATES, settings_prefix="OPENIVAN_PORTAL_JOB",
                        due=tasks.of_kind(JobKind.PROCESS), log=tasks.note_attempt)
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
