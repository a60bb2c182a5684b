"""Queue, deliver and recover notifications. Delivery is at most once per row: a row is claimed
(pending → sending) in its own committed transaction before the SMTP conversation starts, so a
second worker never picks it up; a worker that dies mid-send leaves the claim to expire, and the
sweep puts the row back (the server had not acknowledged it: see `recover_abandoned`)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openivan.conf.sealing import seal, unseal
from openivan.notify.models import DeliveryAttempt, Notification, NotificationStatus

log = logging.getLogger(__name__)


def queue_email(reference: str, template: str, recipient: str,
                context: dict[str, Any]) -> Notification:
    """Write the message into the outbox and enqueue its delivery, inside the caller's
    transaction: the change and its email commit together or not at all."""
    from openivan.notify import tasks  # tasks import services

    with translation.override("vi"):
        subject = render_to_string(f"notify/email/{template}.subject.txt", context)
        body = render_to_string(f"notify/email/{template}.txt", context)
    now = timezone.now()
    with transaction.atomic(savepoint=False):  # joins the caller's transaction as it is
        notification = Notification.objects.create(
            reference=reference, template=template, recipient=recipient,
            subject=" ".join(subject.split()), sealed_body=seal(body), next_attempt_at=now,
            created_at=now, message_id=f"<{uuid.uuid4().hex}@{settings.OPENIVAN_MAIL_DOMAIN}>")
        tasks.deliver.enqueue(notification.pk)
    return notification


def deliver(notification_id: int) -> str:
    """Send one due notification; returns what happened (sent, retry, failed, skipped)."""
    notification = _claim(notification_id)
    if notification is None:
        return "skipped"  # sent already, not due yet, or another worker holds it
    try:
        _send(notification)
    except Exception as exc:
        return _failed(notification, exc)
    _sent(notification)
    return "sent"


def _claim(notification_id: int) -> Notification | None:
    now = timezone.now()
    with transaction.atomic():
        claimed = Notification.objects.filter(
            pk=notification_id, status=NotificationStatus.PENDING, next_attempt_at__lte=now,
        ).update(status=NotificationStatus.SENDING, lease_until=now + _lease(),
                 attempts=F("attempts") + 1)
    return Notification.objects.get(pk=notification_id) if claimed else None


def _lease() -> timedelta:
    return timedelta(seconds=settings.OPENIVAN_NOTIFY_LEASE_SECONDS)


def _send(notification: Notification) -> None:
    connection = get_connection(timeout=settings.OPENIVAN_NOTIFY_SMTP_TIMEOUT)
    EmailMessage(
        notification.subject, unseal(notification.sealed_body), settings.DEFAULT_FROM_EMAIL,
        [notification.recipient], headers={"Message-ID": notification.message_id},
        connection=connection).send()


def _sent(notification: Notification) -> None:
    now = timezone.now()
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.SENT, sent_at=now, lease_until=None,
            sealed_body=seal(""))  # the code or password it carried is not kept
        DeliveryAttempt.objects.create(notification=notification, at=now, outcome="sent",
                                       number=notification.attempts)


def _failed(notification: Notification, exc: Exception) -> str:
    from openivan.notify import tasks

    now = timezone.now()
    detail = f"{type(exc).__name__}: {exc}"[:500]
    final = notification.attempts >= settings.OPENIVAN_NOTIFY_MAX_ATTEMPTS
    retry_at = now + backoff(notification.attempts)
    log.warning("notification %s attempt %s failed: %s", notification.pk,
                notification.attempts, detail)
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.FAILED if final else NotificationStatus.PENDING,
            next_attempt_at=retry_at, lease_until=None)
        DeliveryAttempt.objects.create(notification=notification, at=now, detail=detail,
                                       number=notification.attempts,
                                       outcome="failed" if final else "retry")
        if not final:
            tasks.deliver.using(run_after=retry_at).enqueue(notification.pk)
    return "failed" if final else "retry"


def backoff(attempts: int) -> timedelta:
    """Exponential: base, 2×base, 4×base … after the 1st, 2nd, 3rd failure; capped."""
    base = settings.OPENIVAN_NOTIFY_RETRY_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0),
                                 settings.OPENIVAN_NOTIFY_RETRY_MAX_SECONDS))


def recover_abandoned(now: datetime | None = None) -> int:
    """Sweep: rows whose worker died while sending go back to pending with a new delivery job;
    so do due rows whose job was lost (due for longer than a lease). Rows whose job is simply
    waiting in the queue are left alone, so a backlog does not grow duplicate jobs.

    A worker killed before the server's final "250 OK" leaves a message the server did not
    accept, so sending it again is not a second copy. Only a crash in the instant between that
    reply and the commit of `sent` could duplicate; the fixed Message-ID lets mail systems and
    people recognise it."""
    from openivan.notify import tasks

    now = now or timezone.now()
    with transaction.atomic():
        lost = list(Notification.objects.select_for_update().filter(
            status=NotificationStatus.SENDING, lease_until__lt=now))
        for notification in lost:
            DeliveryAttempt.objects.create(
                notification=notification, at=now, number=notification.attempts,
                outcome="lost", detail="worker stopped before the server acknowledged")
        Notification.objects.filter(pk__in=[n.pk for n in lost]).update(
            status=NotificationStatus.PENDING, next_attempt_at=now, lease_until=None)
        stale = Notification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lt=now - _lease(),
        ).values_list("pk", flat=True)
        for pk in [n.pk for n in lost] + list(stale):
            tasks.deliver.enqueue(pk)
    return len(lost)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    code: str
    description: str


_OUTCOME_TEXT = {"sent": "đã gửi thành công", "retry": "gửi lỗi, sẽ gửi lại",
                 "failed": "gửi không thành công sau nhiều lần thử",
                 "lost": "tiến trình gửi bị dừng, sẽ gửi lại"}


def timeline(reference: str) -> list[TimelineEntry]:
    """What the dossier's timeline shows about its notifications: queued, then each attempt."""
    entries = []
    for n in Notification.objects.filter(reference=reference).prefetch_related("deliveries"):
        entries.append(TimelineEntry(n.created_at, "THONG_BAO",
                                     f"Thư \"{n.subject}\" gửi {n.recipient}: đã xếp hàng gửi"))
        for d in n.deliveries.all():
            text = _OUTCOME_TEXT.get(d.outcome, d.outcome)
            suffix = f" ({d.detail})" if d.detail and d.outcome != "sent" else ""
            entries.append(TimelineEntry(d.at, f"THONG_BAO_{d.outcome.upper()}",
                                         f"Thư \"{n.subject}\" lần {d.number}: {text}{suffix}"))
    return entries
