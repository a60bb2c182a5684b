"""The decisions every path shares: an accepted declaration gets the account and its email, a
refused one the signed notice 01/TB-GDĐT naming every reason; one transaction each."""

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
from openivan.notify.models import Notification
from openivan.platform.models import AuditEvent
from openivan.portal.models import Declaration, DeclarationStatus, Person
from openivan.portal.services import decisions
from tests.conftest import run_worker
from tests.mailserver import body_of
from tests.portal.conftest import stored

pytestmark = pytest.mark.django_db(transaction=True)


def test_accepting_issues_the_account_with_a_one_time_password_and_emails_it(portal, mailserver):
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


def test_rejecting_keeps_the_agency_signed_notice_with_every_reason(portal, mailserver):
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


def test_a_refusal_without_a_reason_is_refused(portal):
    with pytest.raises(OpenIvanError) as caught:
        decisions.reject(stored().pk, [])
    assert caught.value.code == "PORTAL_REASON_REQUIRED"


def test_a_decided_declaration_cannot_be_decided_again(portal):
    declaration = decisions.reject(stored().pk, [ReasonItem("X", "x")])
    with pytest.raises(OpenIvanError) as caught:
        decisions.accept(declaration.pk)
    assert caught.value.code == "PORTAL_DECISION_NOT_ALLOWED"


def test_the_answer_time_is_the_hand_off_of_its_last_notice(portal, mailserver):
    received = timezone.now() - timedelta(minutes=3)
    declaration = decisions.accept(stored(received_at=received).pk)
    assert decisions.record_answer_times() == 0  # the email has not left yet

    run_worker()  # sends the email
    assert decisions.record_answer_times() == 1  # the sweep reads its time back
    declaration.refresh_from_db()
    sent_at = Notification.objects.get(reference=declaration.reference).sent_at
    assert declaration.answered_at == sent_at
    assert 180 <= decisions.answer_seconds(declaration) < 240


def test_without_an_email_the_answer_time_is_the_decision(portal):
    row = stored()
    Declaration.objects.filter(pk=row.pk).update(email="")
    declaration = decisions.accept(row.pk)
    assert decisions.record_answer_times() == 1
    declaration.refresh_from_db()
    assert declaration.answered_at == declaration.decided_at
