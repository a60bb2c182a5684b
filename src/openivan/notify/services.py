"""Queue, deliver and recover notifications. The outbox row is the job of the platform's `email`
queue, or of its `sms` queue (notify/sms.py) for an SMS (platform/jobs.py, registered in
notify/background.py): workers claim due rows instead
of each row also getting a queued job, which cost the intake's hot path a second insert and
~0.7 ms of CPU per dossier (a profile of the intake).

Delivery is at least once, and once only unless a worker dies in one narrow window. A row is
claimed (pending → sending) in its own committed transaction before the SMTP conversation
starts, so a second worker never picks it up; it is marked sent in its own short transaction
right after the server accepts it, before the connection is even closed. A worker that is
stopped (SIGTERM, SIGINT) finishes the send in hand and exits. One that is killed leaves its
claim to expire, and the sweep sends the row again with the same Message-ID (see
`recover_abandoned`): a second copy only if it died between the server's acceptance and that
commit (milliseconds), and then one that mail systems and people can recognise."""

from __future__ import annotations

import logging
import smtplib
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from openivan.core.calendar import shown
from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mobile
from openivan.notify import sms
from openivan.notify.models import Channel, DeliveryAttempt, Notification, NotificationStatus
from openivan.notify.states import NOTIFICATION
from openivan.platform import jobs
from openivan.platform.rows import insert
from openivan.platform.sealing import reseal_rows, seal, unseal
from openivan.platform.services import audit
from openivan.platform.services.monitoring import CRITICAL, OK, WARNING, Check

log = logging.getLogger(__name__)


def queue_email(reference: str, template: str, recipient: str, context: dict[str, Any],
                valid_until: datetime | None = None) -> Notification:
    """Write the message into the outbox, inside the caller's transaction: the change and its
    email commit together or not at all. A worker sends it (`deliver_due`), unless it is still
    unsent at `valid_until` (when the code it carries expires)."""
    subject, sealed_body = compose(template, context)
    now = timezone.now()
    notification = Notification(
        reference=reference, template=template, recipient=recipient,
        subject=subject, sealed_body=sealed_body, next_attempt_at=now,
        created_at=now, message_id=f"<{uuid.uuid4().hex}@{settings.OPENIVAN_MAIL_DOMAIN}>",
        valid_until=valid_until)
    insert([notification])  # one statement: part of the caller's transaction, or its own
    return notification


def queue_sms(reference: str, template: str, phone: str, context: dict[str, Any],
              valid_until: datetime | None = None) -> Notification:
    """An SMS into the outbox, inside the caller's transaction, like `queue_email`; the `sms`
    queue's workers send it through the SMS centre. The text is `notify/sms/<template>.txt`.
    A number that is not a Vietnamese mobile is refused here (PHONE_FORMAT, PHONE_NETWORK),
    before anything is written."""
    number = parse_mobile(phone)
    now = timezone.now()
    notification = Notification(
        reference=reference, template=template, channel=Channel.SMS,
        recipient="84" + number.number[1:], subject="",
        sealed_body=seal(compose_sms(template, context)), next_attempt_at=now,
        created_at=now, message_id=f"sms-{uuid.uuid4().hex}", valid_until=valid_until)
    insert([notification])
    return notification


def compose_sms(template: str, context: dict[str, Any]) -> str:
    """The SMS's text: Vietnamese, NFC (a decomposed letter would cost UCS-2 characters),
    its lines stripped and blank ones dropped (every character counts)."""
    with translation.override("vi"):
        text = render_to_string(f"notify/sms/{template}.txt", context)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return unicodedata.normalize("NFC", "\n".join(line for line in lines if line))


def compose(template: str, context: dict[str, Any]) -> tuple[str, bytes]:
    """The email's subject on one line, and its body sealed (it may carry a code)."""
    with translation.override("vi"):
        subject = render_to_string(f"notify/email/{template}.subject.txt", context)
        body = render_to_string(f"notify/email/{template}.txt", context)
    return " ".join(subject.split()), seal(body)


QUEUE = "email"


def deliver_due(limit: int = 100, stopping: Callable[[], bool] = lambda: False) -> int:
    """Try the rows that are due (oldest first, at most `limit`, until one finds the SMTP
    server away: `smtp_away`); returns how many were tried.
    Workers may run this at once: the claim lets exactly one of them send each row. A row
    gone out of date is left to the sweep (`expire_outdated`). Once `stopping()` says so, no
    further row is taken: a worker asked to stop finishes the send in hand, and no other."""
    return jobs.run_due(QUEUE, limit, stopping)


def deliver(notification_id: int) -> str:
    """Send one due notification; returns what happened (sent, retry, failed, skipped)."""
    outcome = jobs.run_one(QUEUE, notification_id)
    return "sent" if outcome == "done" else outcome


def send_one(notification: Notification) -> Callable[[], None]:
    """The `email` queue's handler: one message over a new connection, which stays open until
    the row is marked sent (closing it, QUIT, is a round trip: a stop or crash in between
    must not leave an accepted message looking unsent)."""
    connection = get_connection(timeout=settings.OPENIVAN_NOTIFY_SMTP_TIMEOUT)
    try:
        connection.open()
        EmailMessage(
            notification.subject, unseal(notification.sealed_body),
            settings.DEFAULT_FROM_EMAIL, [notification.recipient],
            headers={"Message-ID": notification.message_id}, connection=connection).send()
    except Exception:
        _quietly_close(connection)
        raise
    return lambda: _quietly_close(connection)


def smtp_away(error: Exception) -> bool:
    """The SMTP server is away or silent: the `email` queue rests rather than waiting the
    timeout once per email (platform/jobs.py), so the worker's SMS are not held. Away: no
    connection (refused, no route, no name, TLS failed: OSError), no greeting or no answer in
    OPENIVAN_NOTIFY_SMTP_TIMEOUT (smtplib says disconnected). An answer of the server (a
    refused recipient, sender or message: the other SMTPExceptions) is that email's own."""
    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def sent_fields(notification: Notification) -> dict[str, Any]:
    """Set with `sent`: the time, and the body wiped (the code or password it carried)."""
    return {"sent_at": timezone.now(), "sealed_body": seal("")}


def due_now(now: datetime) -> Q:
    """The `email` queue's rows. One whose content stopped working is not sent (the sweep
    marks it expired)."""
    return _still_valid(now) & Q(channel=Channel.EMAIL)


def sms_due_now(now: datetime) -> Q:
    """The `sms` queue's rows, on the same terms."""
    return _still_valid(now) & Q(channel=Channel.SMS)


def record_attempt(notification: Notification, outcome: str, detail: str,
                   now: datetime) -> None:
    """The queue's log: each attempt on the dossier's timeline (inside its transaction)."""
    if outcome == "lost":
        detail = notification.message_id
    elif outcome == "done" and notification.channel == Channel.SMS:
        detail = sms.sent_detail(notification, now)  # the parts' ids, for their receipts
    DeliveryAttempt.objects.create(notification=notification, at=now, detail=detail,
                                   number=notification.attempts,
                                   outcome="sent" if outcome == "done" else outcome)


def _still_valid(now: datetime) -> Q:
    return Q(valid_until__isnull=True) | Q(valid_until__gt=now)


def expire_outdated(now: datetime | None = None) -> int:
    """Sweep: emails still unsent (waiting, or given up) when what they carry stopped working
    are not sent at all (`deliver` already passes them by); the timeline says so. A sending
    row is left to its worker (its code was valid when it was claimed) or to
    `recover_abandoned`."""
    now = now or timezone.now()
    with transaction.atomic():
        outdated = list(Notification.objects.select_for_update().filter(
            status__in=NOTIFICATION.sources(NotificationStatus.EXPIRED), valid_until__lte=now))
        if not outdated:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in outdated]).update(
            status=NotificationStatus.EXPIRED, lease_until=None, sealed_body=seal(""))
        DeliveryAttempt.objects.bulk_create([DeliveryAttempt(
            notification=n, at=now, number=0, outcome="expired",
            detail=f"hạn dùng {shown(n.valid_until)}")
            for n in outdated if n.valid_until])
    return len(outdated)


def _quietly_close(connection: Any) -> None:
    try:
        connection.close()
    except Exception:  # the server hung up or timed out: the message's fate is already known
        log.debug("closing the SMTP connection failed", exc_info=True)


def failed(reference: str) -> list[Notification]:
    """The emails about `reference` that gave up after their last attempt (to send again)."""
    return list(Notification.objects.filter(_still_valid(timezone.now()), reference=reference,
                                            status=NotificationStatus.FAILED))


def requeue(notification_id: int, reference: str, by: audit.Actor) -> None:
    """Gửi lại: an email that gave up is due again, with a full set of attempts (after an
    outage of the mail server longer than the retries, or a mailbox that was full). Only a
    failed email: a pending or sent one is never sent twice by this. Nor one whose code has
    expired: it would only send the unit to an error page."""
    with transaction.atomic():
        rows = Notification.objects.filter(pk=notification_id, reference=reference)
        if not _requeue(rows, by):
            outdated = rows.filter(valid_until__lte=timezone.now(), status__in=[
                NotificationStatus.FAILED, NotificationStatus.EXPIRED]).first()
            if outdated and outdated.valid_until:
                raise OpenIvanError("NOTIFICATION_OUTDATED", at=(
                    shown(outdated.valid_until)))
            raise OpenIvanError("NOTIFICATION_NOT_FAILED")


def requeue_failed(since: datetime | None, by: audit.Actor) -> int:
    """Every email that gave up, queued at or after `since` (all when None), due again; those
    whose code has expired meanwhile are marked out of date instead."""
    expire_outdated()
    with transaction.atomic():
        rows = Notification.objects.all()
        return _requeue(rows.filter(created_at__gte=since) if since else rows, by)


def _requeue(rows: QuerySet[Notification], by: audit.Actor) -> int:
    now = timezone.now()
    NOTIFICATION.check(NotificationStatus.FAILED, NotificationStatus.PENDING)
    chosen = list(rows.select_for_update().filter(_still_valid(now),
                                                  status=NotificationStatus.FAILED))
    Notification.objects.filter(pk__in=[n.pk for n in chosen]).update(
        status=NotificationStatus.PENDING, attempts=0, next_attempt_at=now, lease_until=None)
    who = audit.actor_label(by)
    DeliveryAttempt.objects.bulk_create([DeliveryAttempt(
        notification=n, at=now, number=0, outcome="requeued", detail=who) for n in chosen])
    for n in chosen:
        audit.record(by, "notification.requeued", f"notify.notification:{n.pk}",
                     reference=n.reference, recipient=n.recipient)
    return len(chosen)


@dataclass(frozen=True)
class Handed:
    """Where the messages of one reference (of some templates) stand: how many were queued,
    how many are not yet handed to their server, and when the last one was."""

    queued: int
    unsent: int
    last_sent_at: datetime | None

    @property
    def all_sent(self) -> bool:
        return self.unsent == 0


def handed_over(references: list[str], templates: list[str]) -> dict[str, Handed]:
    """For a caller measuring its own deadline (the portal's 15 minutes): by reference, the
    messages of these templates (every channel) and when the last left. References with no
    such message are absent."""
    rows = (Notification.objects.filter(reference__in=references, template__in=templates)
            .values("reference")
            .annotate(queued=Count("pk"),
                      unsent=Count("pk", filter=~Q(status=NotificationStatus.SENT)),
                      last=Max("sent_at")))
    return {r["reference"]: Handed(r["queued"], r["unsent"], r["last"]) for r in rows}


def outbox_checks(now: datetime) -> list[Check]:
    """For the monitor, each channel apart (a down SMSC is not a down mail server): messages
    late to leave (no worker, the server out of reach), and messages that gave up and still
    carry a usable code (someone must send them again)."""
    return (_channel_checks(now, Channel.EMAIL, "outbox", _EMAIL_TEXTS)
            + _channel_checks(now, Channel.SMS, "sms", _SMS_TEXTS))


_EMAIL_TEXTS = (  # msgids (Check.text translates them)
    "%(count)d email(s) queued more than %(minutes)d minutes ago are still unsent, the oldest "
    "since %(at)s", "No email has waited more than %(minutes)d minutes",
    "%(count)d email(s) gave up after their last attempt: send them again from the dossier's "
    "page or with `openivan manage outbox requeue-failed`", "No email has given up")
_SMS_TEXTS = (
    "%(count)d SMS queued more than %(minutes)d minutes ago are still unsent (is the SMS "
    "centre reachable?), the oldest since %(at)s",
    "No SMS has waited more than %(minutes)d minutes",
    "%(count)d SMS gave up (the SMS centre refused them, or after their last attempt): send "
    "them again with `openivan manage outbox requeue-failed`", "No SMS has given up")


def _channel_checks(now: datetime, channel: str, name: str,
                    texts: tuple[str, str, str, str]) -> list[Check]:
    minutes = settings.OPENIVAN_ALERT_UNSENT_MINUTES
    rows = Notification.objects.filter(channel=channel)
    late = rows.filter(
        status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING],
        created_at__lt=now - timedelta(minutes=minutes)).aggregate(
        count=Count("pk"), oldest=Min("created_at"))
    if late["count"]:
        checks = [Check(f"{name}_late", CRITICAL, texts[0], {
            "count": late["count"], "minutes": minutes, "at": shown(late["oldest"])})]
    else:
        checks = [Check(f"{name}_late", OK, texts[1], {"minutes": minutes})]
    gave_up = rows.filter(_still_valid(now), status=NotificationStatus.FAILED).count()
    if gave_up:
        checks.append(Check(f"{name}_failed", WARNING, texts[2], {"count": gave_up}))
    else:
        checks.append(Check(f"{name}_failed", OK, texts[3]))
    return checks


def backoff(attempts: int) -> timedelta:
    """Exponential: base, 2×base, 4×base … after the 1st, 2nd, 3rd failure; capped."""
    return jobs.QUEUES[QUEUE].backoff(attempts)


def recover_abandoned(now: datetime | None = None) -> int:
    """Sweep: rows whose worker died while sending go back to pending, due at once.

    Their fate is unknown: a worker killed before the server's final "250 OK" leaves a message
    the server did not accept, one killed between that reply and the commit of `sent` (a few
    milliseconds) leaves one that was. So the row is sent again with the same Message-ID,
    which lets mail systems and people recognise a second copy, and its timeline says so. A
    worker that was stopped rather than killed never leaves such a row."""
    return jobs.recover_abandoned(QUEUE, now)


@dataclass(frozen=True)
class Resealed:
    resealed: int
    unreadable: list[int]  # rows no key opens: their old key must come back as a fallback


def reseal_outbox(by: audit.Actor) -> Resealed:
    """After a data-key rotation: seal every email not yet sent under the current key, so
    the old key is no longer needed for them. Rows are locked while they change, so a worker
    that sends one meanwhile never gets its wiped body replaced by the old one."""
    with transaction.atomic():
        unsent = Notification.objects.exclude(
            status__in=[NotificationStatus.SENT, NotificationStatus.EXPIRED])  # wiped bodies
        resealed, unreadable = reseal_rows(unsent, "sealed_body")
        audit.record(by, "data_key.resealed", "notify.notification",
                     resealed=resealed, unreadable=len(unreadable))
    return Resealed(resealed, unreadable)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    code: str
    description: str


_OUTCOME_TEXT = {"sent": "đã gửi thành công", "retry": "gửi lỗi, sẽ gửi lại",
                 "failed": "gửi không thành công sau nhiều lần thử",
                 # A worker killed mid-send: the server may or may not have accepted it.
                 "lost": "tiến trình gửi dừng đột ngột; có thể đã gửi; gửi lại cùng Message-ID",
                 "requeued": "xếp hàng gửi lại theo yêu cầu",
                 "expired": "không gửi nữa vì nội dung thư đã hết hiệu lực",
                 # An SMS's delivery receipts (báo cáo phát), one per part.
                 "delivrd": "đã đến máy điện thoại", "undeliv": "không đến được máy điện thoại",
                 "enroute": "tổng đài SMS đang chuyển"}


def timeline(reference: str) -> list[TimelineEntry]:
    """What the dossier's timeline shows about its notifications: queued, then each attempt
    (and, for an SMS, each delivery receipt)."""
    entries = []
    for n in Notification.objects.filter(reference=reference).prefetch_related("deliveries"):
        if n.channel == Channel.SMS:
            what = f"Tin nhắn SMS \"{n.template}\""
            entries.append(TimelineEntry(n.created_at, "THONG_BAO",
                                         f"{what} gửi số {n.recipient}: đã xếp hàng gửi"))
        else:
            what = f"Thư \"{n.subject}\""
            entries.append(TimelineEntry(n.created_at, "THONG_BAO",
                                         f"{what} gửi {n.recipient}: đã xếp hàng gửi"))
        for d in n.deliveries.all():
            text = _OUTCOME_TEXT.get(d.outcome, d.outcome)
            suffix = f" ({d.detail})" if d.detail and (
                d.outcome != "sent" or n.channel == Channel.SMS) else ""
            attempt = f" lần {d.number}" if d.number else ""  # a requeue is not an attempt
            entries.append(TimelineEntry(d.at, f"THONG_BAO_{d.outcome.upper()}",
                                         f"{what}{attempt}: {text}{suffix}"))
    return entries
