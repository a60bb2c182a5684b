"""What the portal hands the platform's worker: its queues and sweeps."""

from __future__ import annotations

from django.conf import settings

from openivan.platform import jobs
from openivan.portal.services import decisions


def register() -> None:
    jobs.register_periodic("portal.answer_times", decisions.record_answer_times,
                           every_seconds=settings.OPENIVAN_PORTAL_ANSWER_SWEEP_SECONDS)
