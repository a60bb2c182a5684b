"""What the portal hands the platform's worker: its queues and sweeps."""

from __future__ import annotations

from django.conf import settings

from openivan.platform import jobs
from openivan.portal import tasks
from openivan.portal.models import DeclarationJob, JobKind
from openivan.portal.services import decisions
from openivan.portal.states import JOB, JOB_STATES


def register() -> None:
    jobs.register_queue(tasks.PROCESS_QUEUE, tasks.process, model=DeclarationJob, machine=JOB,
                        states=JOB_STATES, settings_prefix="OPENIVAN_PORTAL_JOB",
                        due=tasks.of_kind(JobKind.PROCESS), log=tasks.note_attempt)
    jobs.register_periodic("portal.answer_times", decisions.record_answer_times,
                           every_seconds=settings.OPENIVAN_PORTAL_ANSWER_SWEEP_SECONDS)
