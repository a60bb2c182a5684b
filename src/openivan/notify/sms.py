"""The `sms` queue: SMS notifications sent through the SMS centre (core.sms.SmppChannel), and
their delivery receipts read back onto the notification's timeline.

A queue of its own, beside `email` (notify/background.py): the worker takes due rows of each
queue in turn, and a failure of one channel only reschedules that channel's rows. So an SMSC
that is down delays no email and a mail server that is down delays no SMS.

One channel per worker process, bound once and kept (binding is a round trip and an SMSC
limits its binds). Delivery receipts come back on that same connection, so the worker that sent
a message reads its receipts: the `sms_receipts` sweep every OPENIVAN_SMS_RECEIPT_SECONDS.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openivan.core.errors import OpenIvanError
from openivan.core.sms import DeliveryReceipt, SentSms, SmppChannel, SmsChannel, parse_sms_url
from openivan.core.sms import is_retryable as _core_retryable
from openivan.notify.models import DeliveryAttempt, Notification, SmsPart
from openivan.platform.sealing import unseal

log = logging.getLogger(__name__)

QUEUE = "sms"

_lock = threading.Lock()
_channel: tuple[str, SmsChannel] | None = None  # (the SMS_URL it was made from, the channel)


def channel() -> SmsChannel:
    """This process's channel, made from SMS_URL on first use (and anew if SMS_URL changed,
    as tests do). Another kind of gateway (a carrier's HTTP brandname API) is another
    `core.sms.SmsChannel` returned here."""
    global _channel
    with _lock:
        if _channel is None or _channel[0] != settings.SMS_URL:
            if _channel is not None:
                _close_quietly(_channel[1])
            _channel = (settings.SMS_URL, SmppChannel(parse_sms_url(settings.SMS_URL)))
        return _channel[1]


def close() -> None:
    """Unbind (a worker stopping; tests between SMSCs)."""
    global _channel
    with _lock:
        if _channel is not None:
            _close_quietly(_channel[1])
        _channel = None


def _close_quietly(ch: SmsChannel) -> None:
    try:
        ch.close()
    except Exception:  # the SMSC already went: nothing left to close
        log.debug("closing the SMS channel failed", exc_info=True)


def retryable(error: Exception) -> bool:
    """SMSC away, slow or throttling: later. A refusal (the number, the text, our account)
    stays a refusal: recorded at once with its reason. Anything else (a bug, the database)
    is retried like the email queue's errors."""
    return _core_retryable(error) if isinstance(error, OpenIvanError) else True


def away(error: Exception) -> bool:
    """The SMSC is away, silent or throttling: the `sms` queue rests rather than trying each
    SMS against it (platform/jobs.py)."""
    return isinstance(error, OpenIvanError) and _core_retryable(error)


def send_one(notification: Notification) -> Callable[[], None] | None:
    """The `sms` queue's handler. What the SMSC answered rides on the row to `record_attempt`,
    which stores the parts' ids in the transaction that marks the row sent."""
    sent = channel().send(notification.recipient, unseal(notification.sealed_body))
    notification._sms_sent = sent  # type: ignore[attr-defined]
    return None


def sent_detail(notification: Notification, now: datetime) -> str:
    """Called by notify's attempt log when an SMS is marked sent: its parts, kept for the
    receipts, and a line for the timeline."""
    sent: SentSms | None = getattr(notification, "_sms_sent", None)
    if sent is None:
        return ""
    SmsPart.objects.bulk_create([
        SmsPart(notification=notification, number=i, smsc_message_id=mid)
        for i, mid in enumerate(sent.message_ids, start=1)])
    return f"{sent.parts} phần, {sent.encoding}"


# The timeline's outcome of a receipt (DeliveryAttempt.outcome, 8 characters at most).
_RECEIPT_OUTCOME = {"DELIVRD": "delivrd", "ENROUTE": "enroute", "ACCEPTD": "enroute"}


def record_receipts(wait: float = 0.0) -> int:
    """Sweep: the delivery receipts this worker's connection received, each on its
    notification's timeline; returns how many were recorded. A receipt of a part this
    database does not know (sent by a process whose row was lost) is logged and dropped."""
    if _channel is None:
        return 0  # this process sent nothing: no connection, no receipts for it
    receipts = channel().receipts(wait)
    if receipts:
        record(receipts)
    return len(receipts)


def record(receipts: list[DeliveryReceipt]) -> None:
    now = timezone.now()
    with transaction.atomic():
        parts = {p.smsc_message_id: p for p in SmsPart.objects.select_for_update().filter(
            smsc_message_id__in=[r.message_id for r in receipts]).select_related(
            "notification")}
        for receipt in receipts:
            part = parts.get(receipt.message_id)
            if part is None:
                log.warning("SMS receipt for an unknown message id %s (%s)",
                            receipt.message_id, receipt.state)
                continue
            part.state, part.error = receipt.state[:8], receipt.error[:8]
            part.done_at = receipt.done_at or now
            part.save(update_fields=["state", "error", "done_at"])
            count = part.notification.sms_parts.count()
            detail = f"phần {part.number}/{count}: {receipt.state}"
            if receipt.error not in ("", "000"):
                detail += f", mã lỗi mạng {receipt.error}"
            # Recorded when read: the SMSC's done time has minutes only, and would sort the
            # receipt before the sending it reports on.
            DeliveryAttempt.objects.create(
                notification=part.notification, at=now, number=0, detail=detail,
                outcome=_RECEIPT_OUTCOME.get(receipt.state, "undeliv"))

