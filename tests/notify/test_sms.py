"""SMS notifications through the real test SMSC (openivan.devsmsc on loopback) by the real
worker: Vietnamese in UCS-2 joined on the phone, each channel independent of the other's
failures, refusals recorded with their reason, delivery receipts on the timeline."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from openivan.core.errors import OpenIvanError
from openivan.devsmsc import free_port, join_parts, running_smsc
from openivan.notify import services, sms
from openivan.notify.models import Notification, NotificationStatus
from openivan.platform.sealing import unseal
from openivan.platform.services import monitoring
from tests.conftest import run_worker, stepping_worker
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "0912345678"
UNTIL = timezone.now() + timedelta(minutes=10)


def queue_code(phone: str = PHONE, reference: str = "KM4TX-ACH7R") -> Notification:
    return services.queue_sms(reference, "portal_reset_code", phone,
                              {"name": "Nguyễn Thị Ánh", "code": "482913", "until": UNTIL})


def queue_email(reference: str = "KM4TX-ACH7R") -> Notification:
    return services.queue_email(reference, "decision", "anh@example.vn", {"dossier": {
        "unit_name": "Công ty Mẫu", "form_code": "04/ĐK-IVAN", "number": reference,
        "status": "accepted", "unit_code": "TA0001A"}})


def test_a_long_vietnamese_sms_arrives_whole_as_ucs2_parts_the_phone_joins(smsc):
    notification = queue_code()
    assert notification.recipient == "84912345678"
    assert "482913" not in bytes(Notification.objects.get(pk=notification.pk).sealed_body).decode(
        "latin-1")  # sealed at rest, like an email
    run_worker()
    parts = smsc.wait_for(3)
    assert len(parts) >= 3 and {p.data_coding for p in parts} == {8}  # UCS-2
    text = join_parts(smsc.messages_to("84912345678"))
    assert text.startswith("BHXH Việt Nam: mã đặt lại mật khẩu tài khoản giao dịch điện tử "
                           "của Nguyễn Thị Ánh là 482913")
    assert "kể cả cán bộ BHXH." in text and "\n" not in text
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 1
    assert unseal(notification.sealed_body) == ""  # the code is not kept once sent
    assert [p.smsc_message_id for p in notification.sms_parts.all()] == [
        p.message_id for p in parts]


def test_sms_text_is_composed_nfc_even_from_decomposed_input(smsc):
    import unicodedata

    queue_code().refresh_from_db()
    services.queue_sms("R2", "portal_reset_code", PHONE, {
        "name": unicodedata.normalize("NFD", "Trần Văn Đức"), "code": "1", "until": UNTIL})
    run_worker()
    smsc.wait_for(6)
    text = join_parts([p for p in smsc.submitted][-3:])
    assert "Trần Văn Đức" in text and unicodedata.is_normalized("NFC", text)


def test_a_number_that_is_not_a_vietnamese_mobile_is_refused_before_anything_is_queued(smsc):
    with pytest.raises(OpenIvanError) as caught:
        queue_code(phone="+33612345678")
    assert caught.value.code in ("PHONE_FORMAT", "PHONE_NETWORK")
    assert not Notification.objects.exists()


def test_smsc_down_the_sms_is_retried_with_backoff_while_the_email_goes(
        mailserver, settings):
    port = free_port()  # nothing listens there yet
    settings.SMS_URL = f"smpp://bhxh:secret@127.0.0.1:{port}?source=BHXH&timeout=2"
    settings.OPENIVAN_SMS_RETRY_SECONDS = 30
    text, mail = queue_code(), queue_email()
    before = timezone.now()
    run_worker()
    assert len(mailserver.wait_for(1)) == 1
    mail.refresh_from_db()
    text.refresh_from_db()
    assert mail.status == NotificationStatus.SENT
    assert text.status == NotificationStatus.PENDING and text.attempts == 1
    assert timedelta(seconds=29) <= text.next_attempt_at - before <= timedelta(seconds=40)
    [attempt] = text.deliveries.all()
    assert attempt.outcome == "retry" and "SMS_UNREACHABLE" in attempt.detail
    # The SMSC comes back: the retry, once due, is sent.
    with running_smsc(port=port) as smsc:
        Notification.objects.filter(pk=text.pk).update(next_attempt_at=timezone.now())
        run_worker()
        assert join_parts(smsc.wait_for(3)).startswith("BHXH Việt Nam")
        sms.close()
    text.refresh_from_db()
    assert text.status == NotificationStatus.SENT and text.attempts == 2
    assert [d.outcome for d in text.deliveries.all()][:2] == ["retry", "sent"]


def test_smtp_down_the_sms_still_goes_and_the_email_is_retried(mailserver, smsc, settings):
    settings.EMAIL_PORT = 1  # nothing listens there
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS = 30
    text, mail = queue_code(), queue_email()
    run_worker()
    assert join_parts(smsc.wait_for(3)).startswith("BHXH Việt Nam")
    text.refresh_from_db()
    mail.refresh_from_db()
    assert text.status == NotificationStatus.SENT
    assert mail.status == NotificationStatus.PENDING and mail.attempts == 1
    assert mailserver.messages == []


@pytest.fixture
def silent_smtp_port() -> Iterator[int]:
    """An SMTP port that takes connections and never answers (a server that hangs)."""
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield listening.getsockname()[1]


def test_a_hanging_smtp_server_holds_the_sms_one_timeout_not_one_per_email(
        mailserver, smsc, settings, silent_smtp_port):
    settings.EMAIL_PORT = silent_smtp_port
    settings.OPENIVAN_NOTIFY_SMTP_TIMEOUT = 1
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS = 30
    mails = [queue_email(f"KM4TX-ACH7{n}") for n in range(4)]
    text = queue_code()
    now = [0.0]
    worker = stepping_worker(now)
    worker.step()  # one email tried, the SMS sent in the same step
    assert Notification.objects.get(pk=text.pk).status == NotificationStatus.SENT
    assert join_parts(smsc.wait_for(3)).startswith("BHXH Việt Nam")
    worker.step()  # the email queue rests: the next emails do not wait for the timeout
    attempts = sorted(Notification.objects.filter(
        pk__in=[m.pk for m in mails]).values_list("attempts", flat=True))
    assert attempts == [0, 0, 0, 1]
    tried = Notification.objects.get(pk__in=[m.pk for m in mails], attempts=1)
    assert "SMTPServerDisconnected" in tried.deliveries.get().detail
    # The SMTP server is back: once the rest is over, the emails not yet tried go at once.
    settings.EMAIL_PORT = mailserver.port
    now[0] += 31
    worker.step()
    assert len(mailserver.wait_for(3)) == 3
    assert Notification.objects.get(pk=tried.pk).status == NotificationStatus.PENDING  # its retry


def test_a_number_the_smsc_refuses_fails_at_once_with_the_reason(smsc, settings):
    settings.OPENIVAN_SMS_RETRY_SECONDS = 0  # a retry would be due at once: none must happen
    smsc.reject["84912345678"] = 0x0B  # ESME_RINVDSTADR
    text = queue_code()
    run_worker()
    text.refresh_from_db()
    assert text.status == NotificationStatus.FAILED and text.attempts == 1
    [attempt] = text.deliveries.all()
    assert attempt.outcome == "failed"
    assert "SMS_NUMBER_REJECTED" in attempt.detail and "84912345678" in attempt.detail
    entries = [e.description for e in services.timeline("KM4TX-ACH7R")]
    assert any("gửi không thành công" in e and "SMS_NUMBER_REJECTED" in e for e in entries)
    checks = {c.name: c for c in monitoring.run_checks()}
    assert checks["sms_failed"].level == monitoring.WARNING
    assert checks["outbox_failed"].level == monitoring.OK  # the emails are fine


def test_a_throttling_smsc_is_retried(smsc, settings):
    settings.OPENIVAN_SMS_RETRY_SECONDS = 0
    smsc.throttle_next = 1
    text = queue_code()
    run_worker()
    text.refresh_from_db()
    assert text.status == NotificationStatus.SENT and text.attempts == 2
    assert "SMS_THROTTLED" in text.deliveries.first().detail


def test_delivery_receipts_appear_on_the_timeline(smsc):
    text = queue_code()
    run_worker()
    parts = smsc.wait_for(3)
    wait_until(lambda: sms.record_receipts(wait=0.2) == 0 and all(
        p.state for p in text.sms_parts.all()), timeout=10)
    assert {p.state for p in text.sms_parts.all()} == {"DELIVRD"}
    entries = [e.description for e in services.timeline("KM4TX-ACH7R")]
    assert entries[0] == 'Tin nhắn SMS "portal_reset_code" gửi số 84912345678: đã xếp hàng gửi'
    assert any(e.endswith(f"đã gửi thành công ({len(parts)} phần, UCS2)") for e in entries)
    delivered = [e for e in entries if "đã đến máy điện thoại" in e]
    assert len(delivered) == len(parts) and f"phần 1/{len(parts)}: DELIVRD" in delivered[0]


def test_an_undelivered_receipt_is_on_the_timeline(smsc):
    smsc.receipt_state = "UNDELIV"
    queue_code()
    run_worker()
    smsc.wait_for(3)
    wait_until(lambda: sms.record_receipts(wait=0.2) == 0 and any(
        "không đến được" in e.description for e in services.timeline("KM4TX-ACH7R")),
        timeout=10)


def test_an_sms_left_unsent_is_a_critical_check_of_its_own(settings):
    text = queue_code()
    later = text.created_at + timedelta(minutes=settings.OPENIVAN_ALERT_UNSENT_MINUTES + 1)
    checks = {c.name: c for c in services.outbox_checks(later)}
    assert checks["sms_late"].level == monitoring.CRITICAL
    assert "1 SMS" in checks["sms_late"].text("en")
    assert checks["outbox_late"].level == monitoring.OK


def test_a_malformed_sms_url_stops_the_start():
    result = subprocess.run(
        [sys.executable, "-m", "openivan.cli", "manage", "check"], capture_output=True,
        text=True, env={**__import__("os").environ, "SMS_URL": "smpp://bhxh@localhost",
                        "DEBUG": "1"}, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("SMS_URL_INVALID")
