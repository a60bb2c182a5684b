"""What the notify app hands the platform's worker: the `email` and `sms` queues (one each, so
that neither channel waits for the other or shares its failures) and their sweeps."""

from __future__ import annotations

from django.conf import settings

from openivan.notify import services, sms
from openivan.notify.models import Notification
from openivan.notify.states import JOB_STATES, NOTIFICATION
from openivan.platform import jobs


def register() -> None:
    jobs.register_queue(services.QUEUE, services.send_one, model=Notification,
                        machine=NOTIFICATION, states=JOB_STATES,
                        settings_prefix="OPENIVAN_NOTIFY", due=services.due_now,
                        done_fields=services.sent_fields, log=services.record_attempt,
                        away=services.smtp_away)
    jobs.register_queue(sms.QUEUE, sms.send_one, model=Notification,
                        machine=NOTIFICATION, states=JOB_STATES,
                        settings_prefix="OPENIVAN_SMS", due=services.sms_due_now,
                        done_fields=services.sent_fields, log=services.record_attempt,
                        retryable=sms.retryable, away=sms.away)
    jobs.register_periodic("notifications_outdated", services.expire_outdated)
    jobs.register_periodic("sms_receipts", sms.record_receipts,
                           every_seconds=settings.OPENIVAN_SMS_RECEIPT_SECONDS)
