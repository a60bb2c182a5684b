"""Intake through the real HTTP API: dossiers, signed answers, idempotency, bad inputs."""

import base64
import gzip
import hashlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

from openivan.agency import services, trust
from openivan.agency.models import (
    Dossier,
    DossierCounter,
    IvanProvider,
    RegistrationStatus,
    RevocationList,
    UnitRegistration,
)
from openivan.core.pki import facts
from openivan.core.xml.envelope import UNIT_SLOT
from openivan.devpki import samples
from openivan.platform import cpu_slots
from tests.outage import database_down
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db


def test_signed_registration_becomes_a_dossier_with_signed_answers(provider, envelope, verifier):
    body = envelope()
    response = provider.post(body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["number"].startswith("BHXH-") and out["status"] == "awaiting_activation"
    kinds = {a["kind"]: a for a in out["answers"]}
    assert kinds["technical"]["result"] == "ChapNhanXuLy"
    reception = kinds["reception"]
    assert reception["result"] == "DaTiepNhan"
    assert reception["data"]["dossier_number"] == out["number"]
    assert reception["data"]["received_at"] == out["received_at"]
    signed = base64.b64decode(reception["xml_base64"])
    checked = verifier.verify_document(signed)  # the agency's signature, chain and revocation
    assert checked.signatures["CKy_BHXH"].certificate.facts.tax_code == "0100232004"
    assert checked.model.dossier_number == out["number"]
    dossier = Dossier.objects.get(number=out["number"])
    assert bytes(dossier.signed_bytes) == body  # byte for byte
    assert dossier.verification[UNIT_SLOT]["tax_code"] == "0101300842"
    assert dossier.verification[UNIT_SLOT]["revocation"][0]["source"] == "ocsp"
    assert len(bytes(dossier.revocation_evidence)) > 100
    assert dossier.decision_deadline > dossier.received_at


def test_answers_and_steps_are_readable_by_their_provider_only(provider, envelope, agency):
    number = provider.post(envelope()).json()["number"]
    assert provider.get(f"/dossiers/{number}").json()["number"] == number
    steps = provider.get(f"/dossiers/{number}/steps").json()
    assert steps[0]["code"] == "TIEP_NHAN" and "04/ĐK-IVAN" in steps[0]["description"]
    xml = provider.get(f"/dossiers/{number}/answers/reception.xml")
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    _, other_key = services.register_provider("00099", "I-VAN KHÁC", "0100047516")
    other = provider.client.get(f"/api/v1/dossiers/{number}",
                                headers={"authorization": f"Bearer {other_key}"})
    assert other.status_code == 404 and other.json()["code"] == "DOSSIER_NOT_FOUND"


def test_a_decision_not_yet_taken_is_said_so_not_a_missing_dossier(provider, envelope):
    number = provider.post(envelope()).json()["number"]
    response = provider.get(f"/dossiers/{number}/answers/decision.xml")
    assert response.status_code == 404
    assert response.json()["code"] == "ANSWER_NOT_YET"
    assert response.json()["details"] == {
        "number": number, "kind": "decision", "status": "awaiting_activation"}


def test_an_answer_kind_that_does_not_exist_is_a_coded_refusal(provider, envelope):
    number = provider.post(envelope()).json()["number"]
    response = provider.get(f"/dossiers/{number}/answers/verdict.xml")
    assert response.status_code == 422
    assert response.json()["code"] == "API_INVALID_PARAMETER"
    assert "path.kind" in response.json()["message_en"]
    assert "'technical', 'reception' or 'decision'" in response.json()["message_en"]


def test_same_bytes_again_return_the_original_answer(provider, envelope):
    body = envelope()
    first = provider.post(body).json()
    again = provider.post(body)
    assert again.status_code == 200 and again.json() == first
    assert Dossier.objects.count() == 1


def test_same_idempotency_key_signed_again_returns_the_original_answer(provider, envelope):
    first = provider.post(envelope(), idempotency_key="DK-2026-0001")
    assert first.status_code == 201, first.content
    resigned = envelope()  # new signatures, new signing times: other bytes
    again = provider.post(resigned, idempotency_key="DK-2026-0001")
    assert again.status_code == 200 and again.json() == first.json()
    dossier = Dossier.objects.get()
    assert dossier.message_id == "DK-2026-0001"
    assert {a["data"]["message_id"] for a in first.json()["answers"]} == {"DK-2026-0001"}
    assert provider.post(resigned).status_code == 201  # without the key: other bytes, new


def test_without_a_key_the_answers_name_the_dossier_by_its_digest(provider, envelope):
    body = envelope()
    out = provider.post(body).json()
    digest = hashlib.sha256(body).hexdigest()
    assert {a["data"]["message_id"] for a in out["answers"]} == {digest}
    assert Dossier.objects.get().message_id == digest


@pytest.mark.parametrize("key", ["", "x" * 65, "khóa có dấu", "a/b"])
def test_an_idempotency_key_out_of_its_format_is_refused(provider, envelope, key):
    refused(provider, envelope(), "IDEMPOTENCY_KEY_INVALID", idempotency_key=key)


def _last_number() -> int:
    return DossierCounter.objects.get().last


def test_a_replay_uses_up_no_dossier_number(provider, envelope):
    body = envelope()
    first = provider.post(body, idempotency_key="DK-NUM").json()
    drawn = _last_number()
    for _ in range(5):
        assert provider.post(body).status_code == 200
    resigned = envelope()  # the same key, bytes signed again
    assert provider.post(resigned, idempotency_key="DK-NUM").status_code == 200
    assert _last_number() == drawn
    following = provider.post(envelope()).json()["number"]
    assert int(following.rsplit("-", 1)[1]) == int(first["number"].rsplit("-", 1)[1]) + 1


def test_a_replay_is_answered_from_its_digest_without_verifying_again(
        provider, envelope, monkeypatch):
    body = envelope()
    first = provider.post(body).json()
    verified: list[bytes] = []
    real, cache_clear = trust.verifier(), trust.verifier.cache_clear

    class Counting:  # the real verifier, counted
        def verify_envelope(self, data: bytes, **options):  # type: ignore[no-untyped-def]
            verified.append(data)
            return real.verify_envelope(data, **options)

    counting = Counting()
    monkeypatch.setattr(trust, "verifier", lambda: counting)
    monkeypatch.setattr(trust.verifier, "cache_clear", cache_clear, raising=False)
    assert provider.post(body).json() == first
    assert verified == []
    provider.post(envelope())
    assert len(verified) == 1  # a new message is verified


@pytest.mark.django_db(transaction=True)
def test_concurrent_copies_make_one_dossier(provider, envelope):
    body = envelope()
    results: list[int] = []

    def send() -> None:
        try:
            results.append(provider.post(body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200, 200, 200, 201]
    assert Dossier.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_messages_get_distinct_numbers(provider, envelope):
    bodies = [envelope() for n in range(4)]
    numbers: list[str] = []

    def send(body: bytes) -> None:
        try:
            response = provider.post(body)
            assert response.status_code == 201, response.content
            numbers.append(response.json()["number"])
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(numbers)) == 4
    assert set(Dossier.objects.values_list("number", flat=True)) == set(numbers)
    assert RevocationList.objects.count() == 1  # all four stored the root's CRL at once


def refused(provider, body, code, status=422, **kw):
    response = provider.post(body, **kw)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Dossier.objects.count() == 0
    return response.json()


def test_refusal_carries_a_signed_technical_answer(provider, verifier):
    out = refused(provider, b"<Hoso><oops></Hoso>", "XML_MALFORMED")
    answer = verifier.verify_document(base64.b64decode(out["technical_answer_xml_base64"]))
    assert answer.model.result == "TuChoi" and answer.model.errors[0].code == "XML_MALFORMED"


def test_an_unusable_agency_key_is_an_outage_and_the_message_may_come_again(
        provider, envelope, settings):
    key_file = Path(settings.OPENIVAN_AGENCY_P12)
    moved = key_file.rename(key_file.with_suffix(".away"))  # e.g. a volume not mounted
    body = envelope()
    for attempt in (body, b"<Hoso><oops></Hoso>"):  # a refusal cannot be signed either
        response = provider.post(attempt)
        assert response.status_code == 503 and response["Retry-After"] == "60"
        assert response.json()["code"] == "AGENCY_KEY_UNAVAILABLE"
        assert "technical_answer_xml_base64" not in response.json()
    assert Dossier.objects.count() == 0
    moved.rename(key_file)  # mended: the next call works, no restart
    assert provider.post(body).status_code == 201


@pytest.mark.parametrize(("body", "code"), [
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
     "XML_ENTITY_FORBIDDEN"),
    (b'<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>',
     "XML_ENTITY_FORBIDDEN"),
    (b"<Hoso><NoiDung/></Hoso>", "XML_SCHEMA"),
    (b'<Hoso xmlns="urn:openivan:bhxh:v1"><NoiDung/></Hoso>', "XML_NAMESPACE"),
    (b'<Hoso xmlns="urn:other"/>', "XML_NAMESPACE"),
])
def test_hostile_or_invalid_xml_is_refused(provider, body, code):
    refused(provider, body, code)


def test_oversize_body_is_refused(provider, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    refused(provider, b"<a>" + b"x" * 10_000 + b"</a>", "XML_TOO_LARGE", status=413)


def test_a_compressed_body_is_refused_for_what_it_is_not_as_malformed_xml(provider, envelope):
    body = gzip.compress(envelope())
    response = provider.client.post(
        "/api/v1/dossiers", data=body, content_type="application/xml",
        headers={"authorization": f"Bearer {provider.api_key}", "content-encoding": "gzip"})
    assert response.status_code == 415, response.content
    assert response.json()["code"] == "CONTENT_ENCODING_UNSUPPORTED"
    assert response.json()["details"] == {"encoding": "gzip"}
    assert "technical_answer_xml_base64" in response.json()
    assert Dossier.objects.count() == 0
    plain = provider.client.post(
        "/api/v1/dossiers", data=envelope(), content_type="application/xml",
        headers={"authorization": f"Bearer {provider.api_key}", "content-encoding": "identity"})
    assert plain.status_code == 201, plain.content


def test_unauthenticated_or_unknown_provider_is_refused(provider, envelope):
    body = envelope()
    response = provider.client.post("/api/v1/dossiers", data=body, content_type="application/xml")
    assert response.status_code == 401 and response.json()["code"] == "PROVIDER_AUTH_FAILED"
    refused(provider, body, "PROVIDER_AUTH_FAILED", status=401, api_key="abc.def")
    refused(provider, body, "PROVIDER_AUTH_FAILED", status=401,
            api_key=provider.api_key.split(".")[0] + ".wrong")


def test_envelope_naming_another_provider_is_refused(provider, envelope):
    refused(provider, envelope(ivan_code="00099"), "PROVIDER_MISMATCH")


def test_countersignature_by_another_organisation_is_refused(provider, envelope):
    refused(provider, envelope(provider="unit2"), "PROVIDER_MISMATCH")


def test_countersignature_with_an_unregistered_certificate_is_refused(provider, envelope, pki):
    # The provider's MST is right, but the agency knows it by another certificate.
    IvanProvider.objects.update(
        certificate_thumbprints=[facts(pki.certificate("unit2")).thumbprint_sha256])
    refused(provider, envelope(), "PROVIDER_CERT_UNKNOWN")
    assert not Dossier.objects.exists()


def test_tampered_envelope_is_refused(provider, envelope):
    body = envelope().replace(b"<MaIVAN>00040</MaIVAN>", b"<MaIVAN>00041</MaIVAN>", 1)
    refused(provider, body, "SIG_INVALID")


@pytest.mark.parametrize(("unit", "code"), [
    ("unit-expired", "CERT_EXPIRED"),
    ("unit-revoked", "CERT_REVOKED"),
    ("unit-untrusted", "CERT_UNTRUSTED"),
])
def test_bad_unit_certificates_are_refused(provider, envelope, unit, code):
    refused(provider, envelope(unit=unit), code)


def test_certificate_of_another_tax_code_is_refused(provider, envelope):
    refused(provider, envelope(unit="unit2"), "MST_MISMATCH")


def test_branch_unit_signing_with_the_head_office_certificate_follows_the_setting(
        provider, envelope, settings):
    branch = "0101300842-001"
    declaration = samples.registration(tax_code=branch)
    settings.OPENIVAN_ALLOW_BRANCH_MST = False
    refused(provider, envelope(declaration, tax_code=branch), "MST_MISMATCH")
    settings.OPENIVAN_ALLOW_BRANCH_MST = True
    assert provider.post(envelope(declaration, tax_code=branch)).status_code == 201


def test_signatures_older_than_the_bound_are_refused(provider, envelope, settings):
    settings.OPENIVAN_MAX_SIGNATURE_AGE_HOURS = 72
    trust.reset()
    now = datetime.now(UTC)
    out = refused(provider, envelope(signed_at=now - timedelta(hours=73)), "SIG_TOO_OLD")
    assert out["details"]["hours"] == 72 and "quá 72 giờ" in out["message"]
    refused(provider, envelope(countersigned_at=now - timedelta(hours=73)), "SIG_TOO_OLD")
    assert provider.post(envelope(signed_at=now - timedelta(hours=71))).status_code == 201


def test_bytes_received_before_get_their_answer_after_the_signature_aged(
        provider, envelope, settings):
    body = envelope(signed_at=datetime.now(UTC) - timedelta(hours=30))
    first = provider.post(body).json()
    settings.OPENIVAN_MAX_SIGNATURE_AGE_HOURS = 24
    trust.reset()
    again = provider.post(body)
    assert again.status_code == 200 and again.json() == first


@pytest.mark.parametrize(("seconds", "asked"), [(24 * 3600, 0), (0, 2)])
def test_ocsp_answers_are_reused_as_long_as_the_setting_says(
        provider, envelope, pki, settings, seconds, asked):
    settings.OPENIVAN_OCSP_CACHE_SECONDS = seconds
    trust.reset()
    assert provider.post(envelope()).status_code == 201
    before = pki.asked("ocsp")
    assert provider.post(envelope()).status_code == 201
    # The unit's and the provider's certificates, each asked again or not.
    assert pki.asked("ocsp") - before == asked


def one_slot_and_a_slow_responder(settings, pki, seconds: float) -> None:
    """One request of the process computes at a time, and every certificate is asked of an
    OCSP responder that answers `seconds` late."""
    settings.OPENIVAN_WEB_CPU_SLOTS, settings.OPENIVAN_OCSP_CACHE_SECONDS = 1, 0
    trust.reset()
    pki.ocsp_hangs = seconds


def sender(provider, statuses: list[int]) -> Callable[[bytes], None]:
    """Posts an envelope from a thread of its own, and notes the status."""
    def send(body: bytes) -> None:
        try:
            statuses.append(provider.post(body).status_code)
        finally:
            connection.close()
    return send


@pytest.mark.django_db(transaction=True)
def test_a_dossier_waiting_on_the_ocsp_responder_lets_another_request_compute(
        provider, envelope, pki_outage, settings):
    one_slot_and_a_slow_responder(settings, pki_outage, 3.0)
    asked = pki_outage.asked("ocsp")
    statuses: list[int] = []
    waiting = threading.Thread(target=sender(provider, statuses), args=(envelope(),))
    waiting.start()
    wait_until(lambda: pki_outage.asked("ocsp") != asked, what="the dossier asks the responder")
    computed = threading.Event()

    def compute() -> None:
        with cpu_slots.computing():
            computed.set()

    threading.Thread(target=compute).start()
    assert computed.wait(2.0)  # while the dossier still waits for its OCSP answer
    assert not statuses
    waiting.join(30)
    assert statuses == [201]


@pytest.mark.django_db(transaction=True)
def test_dossiers_waiting_on_one_ocsp_answer_ask_once_and_give_their_turn_back(
        provider, envelope, pki_outage, settings):
    # The second dossier waits for the answer the first is fetching. Holding its turn to
    # compute meanwhile, it would keep the first from taking its turn back: both stuck.
    one_slot_and_a_slow_responder(settings, pki_outage, 1.0)
    asked = pki_outage.asked("ocsp")
    statuses: list[int] = []
    threads = [threading.Thread(target=sender(provider, statuses), args=(envelope(),),
                                daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert statuses == [201, 201]
    # The unit's and the provider's certificates, once each for both dossiers.
    assert pki_outage.asked("ocsp") - asked == 2


def test_change_or_stop_without_a_registration_is_refused(provider, envelope):
    refused(provider, envelope(samples.change()), "REGISTRATION_NOT_FOUND")
    refused(provider, envelope(samples.stop()), "REGISTRATION_NOT_FOUND")
    refused(provider, envelope(samples.stop(other_provider=True)), "REGISTRATION_NOT_FOUND")


def test_change_of_a_registered_unit_is_received(provider, envelope):
    first = Dossier.objects.get(number=provider.post(envelope()).json()["number"])
    UnitRegistration.objects.create(
        tax_code=first.unit_tax_code, name=first.unit_name, email=first.email,
        provider=first.provider, status=RegistrationStatus.ACTIVE,
        since=first.received_at.date(), dossier=first)
    response = provider.post(envelope(samples.change()))
    assert response.status_code == 201
    assert Dossier.objects.get(number=response.json()["number"]).form_code == "05/SĐ-IVAN"


def test_rate_limit_per_provider(provider, envelope, settings):
    settings.OPENIVAN_RATE_LIMIT_PER_MINUTE = 2
    body = envelope()
    assert provider.post(body).status_code == 201
    assert provider.post(body).status_code == 200
    response = provider.post(body)
    assert response.status_code == 429 and response.json()["code"] == "RATE_LIMITED"
    assert 0 < int(response["Retry-After"]) <= 60


def test_rate_limit_is_shared_by_every_web_process(provider, envelope, settings):
    """The count is in the database: a process with an empty cache (another worker, a
    restarted one) still refuses the provider."""
    settings.OPENIVAN_RATE_LIMIT_PER_MINUTE = 1
    assert provider.post(envelope()).status_code == 201
    cache.clear()
    assert provider.post(envelope()).status_code == 429
    assert Dossier.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # the outage closes the connection
def test_a_dossier_sent_while_the_database_is_down_is_answered_503_and_sent_again_safely(
        provider, envelope):
    signed = envelope()
    with database_down():
        refused = provider.post(signed)
    assert refused.status_code == 503 and refused["Retry-After"] == "60"
    assert refused.json()["code"] == "DATABASE_UNAVAILABLE"
    assert "gửi lại" in refused.json()["message"]
    assert not Dossier.objects.exists()
    first, again = provider.post(signed), provider.post(signed)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Dossier.objects.count() == 1
