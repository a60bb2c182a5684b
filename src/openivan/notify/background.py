"""What the notify app hands the platform's worker: the `email` queue and its sweep."""

from __future__ import annotations

from openivan.notify import services
from openivan.notify.models import Notification
from openivan.notify.states import JOB_STATES, NOTIFICATION
from openivan.platform import jobs


def register() -> None:
    jobs.register_queue(services.QUEUE, services.send_one, model=Notification,
                        machine=NOTIFICATION, states=JOB_STATES,
                        settings_prefix="OPENIVAN_NOTIFY", due=services.due_now,
                        done_fields=services.sent_fields, log=services.record_attempt)
    jobs.register_periodic("notifications_outdated", services.expire_outdated)
