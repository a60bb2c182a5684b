"""The decisions every path shares: an accepted declaration gets the account by email and SMS, a
refused one the signed notice 01/TB-GDĐT naming every reason, by email and SMS; one transaction
each. Each channel goes on when the other's server is down (the real SMSC, aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from lxml import etree

from openivan.accounts.models import AccountProfile
from openivan.agency import trust
from openivan.core.errors import OpenIvanError
from openivan.core.xml.forms import ReasonItem
from openivan.core.xmlsig import verify
from openivan.devsmsc import free_port, join_parts, running_smsc
from openivan.notify import sms
from openivan.notify.models import Channel, Notification, NotificationStatus
from openivan.platform.models import AuditEvent
from openivan.portal.models import Declaration, DeclarationStatus, Person
from openivan.portal.services import decisions
from tests.conftest import run_worker
from tests.mailserver import body_of
from tests.portal.conftest import stored

pytestmark = pytest.mark.django_db(transaction=True)


def test_accepting_issues_the_account_with_a_one_time_password_by_email_and_sms(
        portal, mailserver, smsc):
    declaration = decisions.accept(stored().pk)

    assert declaration.status == DeclarationStatus.ACCEPTED
    user = get_user_model().objects.get(username="0123456789")
    assert AccountProfile.objects.get(user=user).must_change_password
    assert Person.objects.get(bhxh_number="0123456789").user == user
    assert declaration.account == user
    assert AuditEvent.objects.filter(action="portal.declaration.accepted",
                                     target=f"portal.declaration:{declaration.reference}").exists()
    run_worker()
    (message,) = mailserver.wait_for(1)
    body = body_of(message)
    assert "Tài khoản:             0123456789" in body
    password = body.split("Mật khẩu lần đầu:")[1].split()[0]
    assert user.check_password(password)
    text = join_parts(smsc.wait_for(1))
    assert smsc.submitted[0].destination == "84912345678"
    assert "Tên đăng nhập: 0123456789. Mật khẩu lần đầu: " + password + "." in text
    assert "/ca-nhan/dang-nhap/" in text and "đổi mật khẩu ngay" in text


def test_a_person_with_an_account_is_refused_and_nothing_is_written(portal):
    decisions.accept(stored().pk)
    second = stored()
    before = (Notification.objects.count(), AuditEvent.objects.count())

    with pytest.raises(OpenIvanError) as caught:
        decisions.accept(second.pk)

    assert caught.value.code == "PORTAL_ACCOUNT_EXISTS"
    second.refresh_from_db()
    assert second.status == DeclarationStatus.RECEIVED
    assert (Notification.objects.count(), AuditEvent.objects.count()) == before


def test_rejecting_keeps_the_agency_signed_notice_with_every_reason(portal, mailserver, smsc):
    reasons = [ReasonItem("RECORD_NAME_MISMATCH", "Họ tên đã khai khác", "HoTen"),
               {"code": "RECORD_ID_MISMATCH", "message": "Số giấy tờ khác", "element": "SoGiayTo"}]
    declaration = decisions.reject(stored().pk, reasons)

    assert declaration.status == DeclarationStatus.REJECTED
    assert [r["code"] for r in declaration.reasons] == ["RECORD_NAME_MISMATCH",
                                                        "RECORD_ID_MISMATCH"]
    notice = bytes(declaration.notice)
    checked = verify(etree.fromstring(notice).getroottree(), slot="CKy_BHXH")
    assert checked.certificate == trust.agency_key().certificate
    codes = etree.fromstring(notice).xpath("//LyDo/Ma/text()")
    assert codes == ["RECORD_NAME_MISMATCH", "RECORD_ID_MISMATCH", "LIEN_HE"]
    assert not get_user_model().objects.filter(username="0123456789").exists()
    run_worker()
    body = body_of(mailserver.wait_for(1)[0])
    assert "Họ tên đã khai khác" in body and "1900 9068" in body
    text = join_parts(smsc.wait_for(1))
    assert f"TB {declaration.reference}/TB-GDĐT, mẫu 01/TB-GDĐT" in text
    assert "Lý do: Họ tên đã khai khác; Số giấy tờ khác." in text
    assert text.endswith("tổng đài 1900 9068.")


def test_a_refusal_with_many_long_reasons_still_goes_as_one_sms(portal, smsc):
    long = "Họ tên đã khai khác họ tên trong dữ liệu của cơ quan BHXH, đề nghị kiểm tra lại"
    declaration = decisions.reject(stored().pk, [ReasonItem(f"X{n}", long) for n in range(5)])
    run_worker()
    text = join_parts(smsc.messages_to("84912345678"))
    assert "và 3 lý do khác." in text and text.endswith("tổng đài 1900 9068.")
    assert Notification.objects.get(reference=declaration.reference,
                                    channel=Channel.SMS).status == NotificationStatus.SENT


def test_a_refusal_without_a_reason_is_refused(portal):
    with pytest.raises(OpenIvanError) as caught:
        decisions.reject(stored().pk, [])
    assert caught.value.code == "PORTAL_REASON_REQUIRED"


def test_a_decided_declaration_cannot_be_decided_again(portal):
    declaration = decisions.reject(stored().pk, [ReasonItem("X", "x")])
    with pytest.raises(OpenIvanError) as caught:
        decisions.accept(declaration.pk)
    assert caught.value.code == "PORTAL_DECISION_NOT_ALLOWED"


def test_the_answer_time_is_the_hand_off_of_its_last_notice(portal, mailserver, smsc):
    received = timezone.now() - timedelta(minutes=3)
    declaration = decisions.accept(stored(received_at=received).pk)
    assert decisions.record_answer_times() == 0  # nothing has left yet

    run_worker()  # sends the email and the SMS
    assert decisions.record_answer_times() == 1  # the sweep reads their times back
    declaration.refresh_from_db()
    sent = Notification.objects.filter(reference=declaration.reference)
    assert sorted(n.channel for n in sent) == [Channel.EMAIL, Channel.SMS]
    assert declaration.answered_at == max(n.sent_at for n in sent)
    assert 180 <= decisions.answer_seconds(declaration) < 240


def test_smsc_down_the_email_goes_and_the_sms_is_retried_then_sent(portal, mailserver,
                                                                   settings):
    port = free_port()  # no SMSC listens there yet
    settings.SMS_URL = f"smpp://bhxh:secret@127.0.0.1:{port}?source=BHXH&timeout=2"
    declaration = decisions.reject(stored().pk, [ReasonItem("X", "Số giấy tờ khác")])
    run_worker()

    assert "Số giấy tờ khác" in body_of(mailserver.wait_for(1)[0])  # not held back
    text = Notification.objects.get(reference=declaration.reference, channel=Channel.SMS)
    assert (text.status, text.attempts) == (NotificationStatus.PENDING, 1)
    assert decisions.record_answer_times() == 0  # the answer has not wholly left
    # The SMSC comes back; the retry, once due, goes and the answer time is the SMS's.
    with running_smsc(port=port) as smsc:
        Notification.objects.filter(pk=text.pk).update(next_attempt_at=timezone.now())
        run_worker()
        assert "Số giấy tờ khác" in join_parts(smsc.wait_for(1))
        sms.close()
    text.refresh_from_db()
    assert (text.status, text.attempts) == (NotificationStatus.SENT, 2)
    assert decisions.record_answer_times() == 1
    declaration.refresh_from_db()
    assert declaration.answered_at == text.sent_at


def test_smtp_down_the_sms_still_goes_and_the_answer_waits_for_the_email(portal, mailserver,
                                                                         smsc, settings):
    settings.EMAIL_PORT = 1  # no mail server there
    declaration = decisions.accept(stored().pk)
    run_worker()

    assert "Tên đăng nhập: 0123456789" in join_parts(smsc.wait_for(1))
    mail = Notification.objects.get(reference=declaration.reference, channel=Channel.EMAIL)
    assert (mail.status, mail.attempts) == (NotificationStatus.PENDING, 1)
    assert mailserver.messages == []
    assert decisions.record_answer_times() == 0


def test_without_an_email_the_answer_goes_by_sms_alone(portal, smsc):
    row = stored()
    Declaration.objects.filter(pk=row.pk).update(email="")
    declaration = decisions.accept(row.pk)
    assert decisions.record_answer_times() == 0  # the SMS is still to leave
    run_worker()
    smsc.wait_for(1)
    assert decisions.record_answer_times() == 1
    declaration.refresh_from_db()
    assert declaration.answered_at == Notification.objects.get(
        reference=declaration.reference).sent_at


def test_with_nothing_to_send_the_answer_time_is_the_decision(portal):
    row = stored()
    Declaration.objects.filter(pk=row.pk).update(email="", phone="")
    declaration = decisions.accept(row.pk)
    assert decisions.record_answer_times() == 1
    declaration.refresh_from_db()
    assert declaration.answered_at == declaration.decided_at
