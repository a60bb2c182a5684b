"""A declaration signed with a certificate, from the HTTP API to its answer: the signature,
the certificate (chain, OCSP of the dev PKI), the person, the agency's records; accepted →
account and email, refused → 01/TB-GDĐT naming every reason (seed 004)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from lxml import etree

from openivan.agency import trust
from openivan.core.xml import individual
from openivan.devsmsc import join_parts
from openivan.platform import jobs
from openivan.portal.models import Declaration, DeclarationJob, DeclarationStatus, JobStatus
from openivan.portal.tasks import PROCESS_QUEUE
from tests.conftest import run_worker
from tests.mailserver import body_of
from tests.portal.conftest import declared, record_of, signed

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/portal/declarations"


def post(data: bytes):  # type: ignore[no-untyped-def]
    return Client().post(URL, data=data, content_type="application/xml")


def notice_codes(declaration: Declaration) -> list[str]:
    return etree.fromstring(bytes(declaration.notice)).xpath("//LyDo/Ma/text()")


def sent_and_processed(data: bytes) -> Declaration:
    response = post(data)
    assert response.status_code == 202, response.content
    run_worker()
    return Declaration.objects.get(reference=response.json()["reference"])


def test_an_accepted_declaration_gets_its_account_by_email_and_sms(portal, mailserver, smsc,
                                                                   pki):
    record_of()
    response = post(signed(pki))
    assert response.status_code == 202, response.content
    answer = response.json()
    assert answer["status"] == "received"
    assert answer["status_url"].endswith(f"{URL}/{answer['reference']}")

    run_worker()

    status = Client().get(f"{URL}/{answer['reference_display'].lower()}").json()
    assert (status["status"], status["status_label"]) == ("accepted", "Chấp nhận")
    user = get_user_model().objects.get(username="0123456789")
    (message,) = mailserver.wait_for(1)
    assert message["To"] == "an.nguyen@example.vn"
    password = body_of(message).split("Mật khẩu lần đầu:")[1].split()[0]
    assert user.check_password(password) and user.profile.must_change_password
    assert f"Mật khẩu lần đầu: {password}." in join_parts(smsc.messages_to("84912345678"))


@pytest.mark.parametrize("changes, code, element", [
    ({"full_name": "Nguyễn Văn Ân"}, "RECORD_NAME_MISMATCH", "HoTen"),
    ({"birth_date": datetime(1990, 5, 18).date()}, "RECORD_BIRTH_DATE_MISMATCH", "NgaySinh"),
    ({"id_numbers": "001090000009"}, "RECORD_ID_MISMATCH", "SoGiayTo"),
])
def test_each_difference_from_the_records_is_named_in_the_notice(portal, mailserver, smsc, pki,
                                                                 changes, code, element):
    record_of(**changes)
    declaration = sent_and_processed(signed(pki))

    assert declaration.status == DeclarationStatus.REJECTED
    assert [(r["code"], r["element"]) for r in declaration.reasons] == [(code, element)]
    assert notice_codes(declaration) == [code, "LIEN_HE"]
    assert not get_user_model().objects.filter(username="0123456789").exists()
    body = body_of(mailserver.wait_for(1)[0])
    assert "hoàn chỉnh thông tin đăng ký" in body and "1900 9068" in body
    assert "01/TB-GDĐT" in join_parts(smsc.messages_to("84912345678"))


def test_every_difference_is_named_at_once(portal, pki):
    record_of(full_name="Lê Thị Hoa", birth_date=datetime(1991, 1, 1).date(),
              id_numbers="001090000009")
    declaration = sent_and_processed(signed(pki))
    assert notice_codes(declaration) == ["RECORD_NAME_MISMATCH", "RECORD_BIRTH_DATE_MISMATCH",
                                         "RECORD_ID_MISMATCH", "LIEN_HE"]


def test_a_person_not_in_the_records_is_refused(portal, pki):
    declaration = sent_and_processed(signed(pki))
    assert notice_codes(declaration) == ["RECORD_NOT_FOUND", "LIEN_HE"]


def test_the_certificate_of_another_person_is_refused(portal, pki):
    record_of()
    declaration = sent_and_processed(signed(pki, label="person-cmnd"))
    assert declaration.status == DeclarationStatus.REJECTED
    assert notice_codes(declaration) == ["CERT_PERSON_MISMATCH", "LIEN_HE"]


def test_another_persons_certificate_learns_nothing_of_the_records(portal, pki):
    # Details guessed for a stranger, signed with anyone's valid certificate: the answer says
    # the certificate is not theirs, and nothing of which guesses match the stranger's record.
    record_of(full_name="Lê Thị Hoa", birth_date=datetime(1991, 1, 1).date())
    declaration = sent_and_processed(signed(pki, label="person-cmnd"))
    assert notice_codes(declaration) == ["CERT_PERSON_MISMATCH", "LIEN_HE"]


@pytest.mark.parametrize("label, code", [("person-cccd-revoked", "CERT_REVOKED"),
                                         ("person-cccd-expired", "CERT_EXPIRED")])
def test_a_revoked_or_expired_certificate_is_refused(portal, pki, label, code):
    record_of()
    declaration = sent_and_processed(signed(pki, label=label))
    assert declaration.status == DeclarationStatus.REJECTED
    assert notice_codes(declaration)[0] == code


def test_a_signature_dated_back_is_refused(portal, pki):
    record_of()
    data = individual.sign(individual.build(declared()), pki.pkcs12_key("person-cccd-expired"),
                           signing_time=datetime(2021, 6, 1).astimezone())
    declaration = sent_and_processed(data)
    assert notice_codes(declaration) == ["SIG_TOO_OLD", "LIEN_HE"]


def test_a_tampered_declaration_is_refused_for_its_signature_alone(portal, pki):
    record_of()
    data = signed(pki).replace("Hoàn Kiếm, Hà Nội".encode(), "Ba Đình, Hà Nội".encode())
    declaration = sent_and_processed(data)
    assert notice_codes(declaration)[0].startswith("SIG_")
    assert len(notice_codes(declaration)) == 2  # not compared with the records: not trusted


@pytest.mark.parametrize("body, code", [
    (b"<DangKyGiaoDichCaNhan><HoTen>", "XML_MALFORMED"),
    (b"", "PORTAL_BODY_EMPTY"),
    (b"<DangKyGiaoDichCaNhan/>", "DECLARATION_INVALID"),
])
def test_a_malformed_declaration_is_refused_and_nothing_is_stored(portal, body, code):
    response = post(body)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert not Declaration.objects.exists()


def test_a_declaration_to_file_at_the_desk_is_not_taken_here(portal, pki):
    model = declared(filing="TaiCoQuanBHXH", reception_point="BHXH quận Hoàn Kiếm")
    response = post(signed(pki, model))
    assert response.json()["code"] == "PORTAL_FILING_NOT_SIGNED"
    assert not Declaration.objects.exists()


def test_a_too_large_body_is_refused(portal, settings):
    settings.OPENIVAN_PORTAL_MAX_BYTES = 100
    response = post(b"<a>" + b"x" * 200 + b"</a>")
    assert (response.status_code, response.json()["code"]) == (413, "XML_TOO_LARGE")


def test_a_person_with_an_account_cannot_declare_again(portal, pki):
    record_of()
    sent_and_processed(signed(pki))
    response = post(signed(pki, declared(address="Số 2 Tràng Tiền, Hà Nội")))
    assert (response.status_code, response.json()["code"]) == (409, "PORTAL_ACCOUNT_EXISTS")
    assert Declaration.objects.count() == 1


def test_a_second_declaration_waits_for_the_first(portal, pki):
    first = post(signed(pki)).json()
    response = post(signed(pki, declared(address="Số 2 Tràng Tiền, Hà Nội")))
    assert response.json()["code"] == "PORTAL_DECLARATION_IN_PROGRESS"
    assert first["reference"] not in response.json()["message"]  # the only key to its status page


def test_the_same_bytes_sent_twice_make_one_declaration(portal, pki):
    data = signed(pki)
    first, second = post(data), post(data)
    assert second.status_code == 202
    assert first.json()["reference"] == second.json()["reference"]
    assert Declaration.objects.count() == DeclarationJob.objects.count() == 1


def test_an_ocsp_outage_is_retried_then_decided(portal, pki_outage, mailserver, smsc):
    record_of()
    pki_outage.ocsp_up = pki_outage.crl_up = False
    reference = post(signed(pki_outage)).json()["reference"]

    assert jobs.run_due(PROCESS_QUEUE) == 1
    job = DeclarationJob.objects.get(declaration__reference=reference)
    assert (job.status, job.attempts) == (JobStatus.PENDING, 1)
    assert "REVOCATION_UNAVAILABLE" in job.last_error
    assert Declaration.objects.get(reference=reference).status == DeclarationStatus.RECEIVED

    pki_outage.ocsp_up = pki_outage.crl_up = True
    trust.reset()  # the verifier rests a responder found down (a minute); the retry comes later
    DeclarationJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    run_worker()
    assert Declaration.objects.get(reference=reference).status == DeclarationStatus.ACCEPTED


def test_a_mistyped_reference_is_caught_before_any_query(portal, django_assert_num_queries):
    with django_assert_num_queries(0):
        short = Client().get(f"{URL}/ACDEF-GHJK")
    assert (short.status_code, short.json()["code"]) == (422, "REFERENCE_FORMAT")


def test_an_unknown_reference_is_404(portal):
    from openivan.core.reference import new_reference

    response = Client().get(f"{URL}/{new_reference()}")
    assert (response.status_code, response.json()["code"]) == (404,
                                                               "PORTAL_DECLARATION_NOT_FOUND")


def test_the_answer_is_due_15_minutes_after_reception(portal, pki):
    declaration = Declaration.objects.get(reference=post(signed(pki)).json()["reference"])
    assert declaration.deadline_at - declaration.received_at == timedelta(minutes=15)
