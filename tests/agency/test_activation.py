"""From reception to "Hoàn tất thủ tục thành công": the email read off a real SMTP server, the
activation page over HTTP, the decision and the registry (seed 002, domain.md §2)."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from openivan.agency import trust
from openivan.agency.models import (
    Activation,
    Dossier,
    DossierStatus,
    RegistrationStatus,
    UnitRegistration,
)
from openivan.core.calendar import local
from openivan.devpki import samples
from openivan.platform import jobs
from openivan.platform.models import AuditEvent
from tests.conftest import run_worker
from tests.mailserver import activation_link, body_of, confirmation_code, path_of
from tests.outage import database_down

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits and closes

REGISTER_SUBJECT = ("Xác nhận đăng ký tham gia giao dịch điện tử về bảo hiểm xã hội, bảo hiểm y "
                    "tế của BHXH")


def send(provider, envelope, mailserver, declaration=None):  # type: ignore[no-untyped-def]
    """Post a dossier and return it with its reception email."""
    response = provider.post(envelope(declaration))
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(number=response.json()["number"])
    run_worker()
    [email] = [m for m in mailserver.messages
               if dossier.number in body_of(m) and "/kich-hoat/" in body_of(m)]
    return dossier, email


def activate(link: str, code: str, reissue: bool = False, client: Client | None = None):  # type: ignore[no-untyped-def]
    data = {"code": code, **({"reissue": "1"} if reissue else {})}
    return (client or Client()).post(path_of(link), data)


def test_registration_is_confirmed_through_the_emailed_link_and_code(
        provider, envelope, mailserver, verifier):
    dossier, email = send(provider, envelope, mailserver)
    assert email["Subject"].strip() == REGISTER_SUBJECT
    assert email["To"] == "ketoan@giaiphapmo.vn"
    link, code = activation_link(email), confirmation_code(email)
    assert len(code) == 10 and link.endswith(Activation.objects.get().token)
    assert dossier.number in body_of(email)

    page = Client().get(path_of(link))
    html = page.content.decode()
    for text in ("Thông tin đơn vị", "Mã đơn vị", "TA1234", samples.UNIT_NAME,
                 samples.UNIT_TAX_CODE, "ketoan@giaiphapmo.vn", "Thông tin hồ sơ",
                 dossier.number, "Thời gian tiếp nhận", "Mã xác nhận",
                 "Yêu cầu cấp lại mật khẩu nếu đã tồn tại", "Gửi mã xác nhận"):
        assert text in html, text

    done = activate(link, code.lower())  # typed in lower case: still the code
    assert done.status_code == 200
    assert "Hoàn tất thủ tục thành công" in done.content.decode()

    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.ACCEPTED
    decision = dossier.answers.get(kind="decision")
    assert decision.result == "ChapNhan"
    checked = verifier.verify_document(bytes(decision.signed_xml))
    assert checked.signatures["CKy_BHXH"].certificate.facts.tax_code == "0100232004"

    registration = UnitRegistration.objects.get(tax_code=samples.UNIT_TAX_CODE)
    assert registration.status == RegistrationStatus.ACTIVE and registration.until is None
    assert [c.serial for c in registration.certificates.all()] == ["1001"]

    run_worker()
    completion = mailserver.wait_for(2)[1]
    assert completion["Subject"].strip() == (
        f"Hoàn tất thủ tục giao dịch điện tử — hồ sơ {dossier.number}")
    text = body_of(completion)
    assert "hoàn tất thủ tục thành công" in text and "Kết quả: Chấp nhận" in text
    assert f"Tài khoản:             {samples.UNIT_TAX_CODE}" in text  # a new unit: an account
    assert "Mật khẩu lần đầu:" in text

    steps = provider.get(f"/dossiers/{dossier.number}/steps").json()
    codes = [s["code"] for s in steps]
    for code_ in ("TIEP_NHAN", "GUI_MA_XAC_NHAN", "XAC_NHAN", "CHAP_NHAN", "THONG_BAO_SENT"):
        assert code_ in codes
    assert provider.get(f"/dossiers/{dossier.number}").json()["status"] == "accepted"


def _accepted_registration(provider, envelope, mailserver):  # type: ignore[no-untyped-def]
    dossier, email = send(provider, envelope, mailserver)
    assert activate(activation_link(email), confirmation_code(email)).status_code == 200
    run_worker()
    return dossier


def test_change_and_stop_emails_have_their_own_subjects_and_update_the_registry(
        provider, envelope, mailserver):
    _accepted_registration(provider, envelope, mailserver)
    _, email = send(provider, envelope, mailserver, samples.change())
    assert email["Subject"].strip() == ("Xác nhận thay đổi, bổ sung thông tin tờ khai đăng ký sử "
                                        "dụng phương thức giao dịch điện tử")
    assert activate(activation_link(email), confirmation_code(email)).status_code == 200
    registration = UnitRegistration.objects.get(status=RegistrationStatus.ACTIVE)
    certificates = list(registration.certificates.all())
    assert [(c.serial, c.until is None) for c in certificates] == [("1001", False), ("1A2B", True)]
    assert registration.email == "nhansu@giaiphapmo.vn"

    _, email = send(provider, envelope, mailserver, samples.stop())
    assert email["Subject"].strip() == ("Xác nhận ngừng giao dịch điện tử về bảo hiểm xã hội, bảo "
                                        "hiểm y tế")
    assert activate(activation_link(email), confirmation_code(email)).status_code == 200
    registration.refresh_from_db()
    assert str(registration.until) == "2026-12-31"  # ends at the stop date …
    expected = (RegistrationStatus.STOPPED if timezone.localdate().isoformat() >= "2026-12-31"
                else RegistrationStatus.ACTIVE)
    assert registration.status == expected  # … not before it
    stop = ("registration.stopped" if expected == RegistrationStatus.STOPPED
            else "registration.stop_scheduled")
    assert registry_trail() == [("system", "registration.started"),
                                ("system", "registration.changed"), ("system", stop)]


def test_stop_takes_effect_on_its_date(provider, envelope, mailserver):
    _accepted_registration(provider, envelope, mailserver)
    registration = UnitRegistration.objects.get()
    registration.until = timezone.localdate() - timedelta(days=1)
    registration.save()
    jobs.run_periodic()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.STOPPED
    assert registry_trail()[-1] == ("system", "registration.stopped")
    jobs.run_periodic()  # a second sweep finds nothing more to stop
    assert registry_trail()[-1] == ("system", "registration.stopped")
    assert len(registry_trail()) == 2


def registry_trail() -> list[tuple[str, str]]:
    """Who changed the demo unit's registration with the demo provider, and how."""
    target = f"registration:{samples.UNIT_TAX_CODE}/{samples.PROVIDER.code}"
    return list(AuditEvent.objects.filter(target=target).order_by("at", "id")
                .values_list("actor", "action"))


def test_wrong_code_counts_a_try_and_changes_nothing_else(provider, envelope, mailserver):
    dossier, email = send(provider, envelope, mailserver)
    response = activate(activation_link(email), "ACDEFGHJKM")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Mã xác nhận không đúng. Còn 4 lần thử." in html and "Gửi mã xác nhận" in html
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_ACTIVATION
    assert Activation.objects.get().failed_tries == 1
    assert not UnitRegistration.objects.exists()


def test_code_of_the_wrong_shape_is_explained_and_not_counted(provider, envelope, mailserver):
    _, email = send(provider, envelope, mailserver)
    for _ in range(6):  # more than the tries: none of them is one
        response = activate(activation_link(email), "12")
        assert response.status_code == 422
    assert "Mã xác nhận gồm 10 ký tự" in response.content.decode()
    assert "Còn 5 lần thử" in response.content.decode()
    assert Activation.objects.get().failed_tries == 0
    assert activate(activation_link(email), confirmation_code(email)).status_code == 200


def test_brute_force_locks_the_code_after_five_wrong_tries(provider, envelope, mailserver):
    dossier, email = send(provider, envelope, mailserver)
    link, code = activation_link(email), confirmation_code(email)
    statuses = [activate(link, "ACDEFGHJKM").status_code for _ in range(5)]
    assert statuses == [422, 422, 422, 422, 410]
    locked = activate(link, code)  # even the right code now
    assert locked.status_code == 410
    html = locked.content.decode()
    assert 'data-code="ACTIVATION_LOCKED"' in html and "nộp lại tờ khai 04/ĐK-IVAN" in html
    assert "Gửi mã xác nhận" not in html
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_ACTIVATION


def test_used_code_is_refused_with_a_clear_page(provider, envelope, mailserver):
    _, email = send(provider, envelope, mailserver)
    link, code = activation_link(email), confirmation_code(email)
    assert activate(link, code).status_code == 200
    again = activate(link, code)
    assert again.status_code == 410
    assert 'data-code="ACTIVATION_USED"' in again.content.decode()
    assert Dossier.objects.get().answers.filter(kind="decision").count() == 1


def test_expired_code_is_refused_and_the_dossier_waits_for_a_new_one_until_its_deadline(
        provider, envelope, mailserver, verifier):
    dossier, email = send(provider, envelope, mailserver)
    link, code = activation_link(email), confirmation_code(email)
    Activation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    page = Client().get(path_of(link))
    assert page.status_code == 410 and "hết hiệu lực" in page.content.decode()
    refused = activate(link, code)
    assert refused.status_code == 410
    assert 'data-code="ACTIVATION_EXPIRED"' in refused.content.decode()

    swept = jobs.run_periodic()
    assert (swept["codes_expired"], swept["activations_expired"]) == (1, 0)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.CODE_EXPIRED  # an officer may still send a new code
    assert not dossier.answers.filter(kind="decision").exists()
    assert dossier.steps.filter(code="MA_HET_HAN").count() == 1

    Dossier.objects.filter(pk=dossier.pk).update(  # its decision deadline comes
        decision_deadline=timezone.now() - timedelta(seconds=1))
    swept = jobs.run_periodic()
    assert (swept["codes_expired"], swept["activations_expired"]) == (0, 1)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.EXPIRED
    decision = dossier.answers.get(kind="decision")
    assert decision.result == "TuChoi"
    assert decision.data["reasons"][0]["code"] == "ACTIVATION_EXPIRED"
    verifier.verify_document(bytes(decision.signed_xml))
    assert jobs.run_periodic()["activations_expired"] == 0  # once


def test_a_data_key_rotation_loses_neither_the_queued_email_nor_its_code(
        provider, envelope, mailserver, settings, monkeypatch):
    assert provider.post(envelope()).status_code == 201  # its email waits, sealed, in the outbox
    old = settings.OPENIVAN_DATA_KEY
    settings.OPENIVAN_DATA_KEY, settings.OPENIVAN_DATA_KEY_FALLBACKS = "a-new-data-key", [old]
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    out = io.StringIO()
    call_command("reseal", stdout=out)
    expires = local(Activation.objects.get().expires_at)
    assert f"Các mã xác nhận đã gửi còn cần khoá cũ đến {expires:%H:%M %d/%m/%Y}" in out.getvalue()

    run_worker()
    [email] = [m for m in mailserver.messages if "/kich-hoat/" in body_of(m)]
    done = activate(activation_link(email), confirmation_code(email))
    assert done.status_code == 200 and "Hoàn tất thủ tục thành công" in done.content.decode()


def test_a_code_entered_while_the_agency_cannot_sign_stays_usable(
        provider, envelope, mailserver, settings):
    _, email = send(provider, envelope, mailserver)
    link, code = activation_link(email), confirmation_code(email)
    good_key = settings.OPENIVAN_AGENCY_P12
    settings.OPENIVAN_AGENCY_P12 = good_key + ".missing"
    trust.reset()  # as a web process started without its key
    outage = activate(link, code)
    assert outage.status_code == 503
    assert 'data-code="AGENCY_KEY_UNAVAILABLE"' in outage.content.decode()
    assert 'name="code"' in outage.content.decode()  # the form stays: the code is not spent
    activation = Activation.objects.get()
    assert (activation.used_at, activation.failed_tries) == (None, 0)
    assert Dossier.objects.get().status == DossierStatus.AWAITING_ACTIVATION
    settings.OPENIVAN_AGENCY_P12 = good_key
    assert activate(link, code).status_code == 200


@pytest.mark.parametrize("token", ["0" * 64, "not-a-token", "A" * 63])
def test_unknown_link_gets_a_clear_page(db, agency, token):
    response = Client().get(f"/kich-hoat/{token}")
    assert response.status_code == 404
    assert 'data-code="ACTIVATION_NOT_FOUND"' in response.content.decode()


def test_existing_account_gets_a_new_password_only_when_asked(provider, envelope, mailserver):
    _accepted_registration(provider, envelope, mailserver)  # the account exists now
    _, email = send(provider, envelope, mailserver, samples.change())
    activate(activation_link(email), confirmation_code(email))
    run_worker()
    assert "Mật khẩu lần đầu" not in body_of(mailserver.messages[-1])

    _, email = send(provider, envelope, mailserver, samples.stop())
    # A stop issues no account, even when asked.
    activate(activation_link(email), confirmation_code(email), reissue=True)
    run_worker()
    assert "Mật khẩu lần đầu" not in body_of(mailserver.messages[-1])


def test_reissue_asked_sends_a_new_one_time_password(provider, envelope, mailserver):
    _accepted_registration(provider, envelope, mailserver)
    first_password = body_of(mailserver.messages[-1]).split("Mật khẩu lần đầu:")[1].split()[0]
    _, email = send(provider, envelope, mailserver, samples.change())
    activate(activation_link(email), confirmation_code(email), reissue=True)
    run_worker()
    text = body_of(mailserver.messages[-1])
    second_password = text.split("Mật khẩu lần đầu:")[1].split()[0]
    assert second_password != first_password
    client = Client()
    assert not client.login(username=samples.UNIT_TAX_CODE, password=first_password)
    assert client.login(username=samples.UNIT_TAX_CODE, password=second_password)


def test_activation_page_in_english(provider, envelope, mailserver):
    _, email = send(provider, envelope, mailserver)
    link = path_of(activation_link(email))
    html = Client(headers={"accept-language": "en"}).get(link).content.decode()
    assert "Confirmation code" in html and "Send the confirmation code" in html


def test_answers_xml_of_the_decision_is_served(provider, envelope, mailserver):
    dossier = _accepted_registration(provider, envelope, mailserver)
    out = provider.get(f"/dossiers/{dossier.number}").json()
    decision = next(a for a in out["answers"] if a["kind"] == "decision")
    assert decision["result"] == "ChapNhan"
    xml = provider.get(f"/dossiers/{dossier.number}/answers/decision.xml").content
    assert xml == base64.b64decode(decision["xml_base64"])


def test_change_confirmed_after_the_registration_stopped_is_refused(
        provider, envelope, mailserver):
    _accepted_registration(provider, envelope, mailserver)
    change, change_email = send(provider, envelope, mailserver, samples.change())
    _, stop_email = send(provider, envelope, mailserver, samples.stop())
    activate(activation_link(stop_email), confirmation_code(stop_email))
    UnitRegistration.objects.update(status=RegistrationStatus.STOPPED)  # its stop date came
    done = activate(activation_link(change_email), confirmation_code(change_email))
    assert done.status_code == 200  # the code was right: the procedure completes …
    assert "Kết quả: Từ chối." in done.content.decode()
    change.refresh_from_db()
    assert change.status == DossierStatus.REJECTED  # … and the decision says why
    decision = change.answers.get(kind="decision")
    assert decision.data["reasons"][0]["code"] == "REGISTRATION_NOT_FOUND"


def test_an_activation_page_opened_while_the_database_is_down_says_come_back(agency):
    with database_down():
        page = Client(raise_request_exception=False).get(f"/kich-hoat/{'A' * 64}")
    assert page.status_code == 503 and page["Retry-After"] == "60"
    html = page.content.decode()
    assert "Hệ thống tạm thời gián đoạn" in html and "DATABASE_UNAVAILABLE" in html
