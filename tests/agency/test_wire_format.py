"""Dossiers in the shape real I-VAN software sends, through the real HTTP intake: received,
numbered, answered; a procedure the agency does not process parked for an officer; every bad
attachment refused with its code and nothing stored."""

from __future__ import annotations

import base64

import pytest
from django.test import Client
from lxml import etree

from openivan.agency import services
from openivan.agency.models import (
    Activation,
    Dossier,
    DossierStatus,
    IvanProvider,
    ReviewReason,
)
from openivan.core.dossier import BOM, sign_declarations, sign_envelope
from openivan.core.xml import codec
from openivan.core.xml.envelope import UNIT_SLOT, other_file, xml_file
from openivan.core.xml.forms import DECLARATION_SLOT
from openivan.core.xmlsig import sign
from openivan.devpki import samples
from tests import vendor
from tests.conftest import run_worker
from tests.mailserver import body_of

REAL_SHAPE = pytest.mark.usefixtures("real_shape")


@pytest.fixture
def real_shape(provider):
    """The provider sends what real I-VAN software sends: no countersignature."""
    services.set_countersignature_required(provider.code, False)


def refused(provider, body: bytes, code: str, status: int = 422) -> dict:
    response = provider.post(body)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert "technical_answer_xml_base64" in response.json()  # a signed refusal
    assert not Dossier.objects.exists()
    return response.json()


@pytest.mark.django_db(transaction=True)  # the worker commits and closes
@REAL_SHAPE
def test_a_vendors_dossier_is_received_numbered_answered_and_the_unit_emailed(
        provider, pki, mailserver, verifier):
    body = vendor.envelope(pki)  # BOM, xsi/xsd, .NET signatures, a PDF, no CKy_IVAN
    response = provider.post(body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["number"].startswith("BHXH-") and out["status"] == "awaiting_activation"
    assert {a["kind"]: a["result"] for a in out["answers"]} == {
        "technical": "ChapNhanXuLy", "reception": "DaTiepNhan"}
    reception = base64.b64decode(
        next(a for a in out["answers"] if a["kind"] == "reception")["xml_base64"])
    assert verifier.verify_document(reception).model.dossier_number == out["number"]
    dossier = Dossier.objects.get(number=out["number"])
    assert bytes(dossier.signed_bytes) == body  # byte for byte, the BOM too
    assert dossier.form_code == "04/ĐK-IVAN" and dossier.email == "ketoan@giaiphapmo.vn"
    assert set(dossier.verification) == {UNIT_SLOT, "FileToKhai[1]/Cky"}
    assert dossier.verification["FileToKhai[1]/Cky"]["tax_code"] == samples.UNIT_TAX_CODE
    run_worker()
    [email] = [m for m in mailserver.messages if dossier.number in body_of(m)]
    assert "/kich-hoat/" in body_of(email) and email["To"] == "ketoan@giaiphapmo.vn"
    again = provider.post(body)  # the same bytes: the original answers
    assert again.status_code == 200 and again.json()["number"] == out["number"]


@pytest.mark.django_db
def test_a_provider_registered_by_default_must_countersign(provider, pki):
    assert IvanProvider.objects.get().countersignature_required
    out = refused(provider, vendor.envelope(pki), "SIG_MISSING")
    assert out["details"]["slot"] == "CKy_IVAN"


@pytest.mark.django_db
@REAL_SHAPE
def test_a_countersignature_sent_anyway_is_still_checked(provider, envelope):
    refused(provider, envelope(provider="unit2"), "PROVIDER_MISMATCH")
    assert provider.post(envelope()).status_code == 201  # a good one is welcome


@pytest.mark.django_db
@REAL_SHAPE
def test_a_declaration_signed_by_another_tax_code_is_refused(provider, pki):
    out = refused(provider, vendor.envelope(pki, declaration_signer="unit2"), "MST_MISMATCH")
    assert out["details"]["attachment"] == "04_ĐK-IVAN.xml"


def d02_dossier(pki, procedure: str = "600", unit_code: str | None = "TA1234") -> bytes:
    """A dossier of a procedure the agency does not process: a D02-TS declaration."""
    d02 = vendor.dotnet_sign(
        b"<D02-TS><KyKeKhai>11/2026</KyKeKhai><SoLaoDong>3</SoLaoDong><Cky /></D02-TS>", pki,
        "unit", "Cky")
    model = samples.envelope_for(samples.registration())
    model.content.unit.unit_code = unit_code
    model.content.dossier.procedure_code = procedure
    model.content.dossier.procedure_name = "Báo tăng, báo giảm lao động tham gia BHXH"
    model.content.dossier.files = [xml_file(d02, form_code="D02-TS",
                                            description="Danh sách lao động")]
    return vendor.dotnet_sign(vendor.indented(codec.to_bytes(model)), pki, "unit", UNIT_SLOT)


@pytest.mark.django_db
@REAL_SHAPE
def test_a_procedure_not_handled_is_received_and_parked_for_an_officer(provider, pki, officer):
    response = provider.post(d02_dossier(pki))
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["status"] == "needs_review"
    assert {a["result"] for a in out["answers"]} == {"ChapNhanXuLy", "DaTiepNhan"}
    dossier = Dossier.objects.get(number=out["number"])
    assert dossier.review_reason == ReviewReason.UNSUPPORTED_PROCEDURE
    assert (dossier.form_code, dossier.unit_tax_code) == ("600", samples.UNIT_TAX_CODE)
    assert not hasattr(dossier, "activation") or dossier.activation is None
    queue = officer.get("/co-quan/ho-so/").content.decode()
    assert dossier.number in queue and "thủ tục chưa hỗ trợ" in queue
    detail = officer.get(f"/co-quan/ho-so/{dossier.number}/").content.decode()
    assert "thủ tục chưa hỗ trợ" in detail
    assert "Đơn vị, tờ khai đính kèm D02-TS.xml" in detail  # its Cky's signer, verified
    steps = [s["code"] for s in provider.get(f"/dossiers/{dossier.number}/steps").json()]
    assert steps[:2] == ["TIEP_NHAN", "CHO_CAN_BO"]
    decided = officer.post(f"/co-quan/ho-so/{dossier.number}/quyet-dinh/",
                           {"decision": "accept", "confirmed": "1"})
    assert decided.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.ACCEPTED
    assert dossier.answers.get(kind="decision").result == "ChapNhan"


@pytest.mark.django_db
@REAL_SHAPE
def test_a_procedure_not_handled_is_accepted_without_making_up_a_unit_code(
        provider, pki, officer):
    number = provider.post(d02_dossier(pki, unit_code=None)).json()["number"]
    detail = officer.get(f"/co-quan/ho-so/{number}/").content.decode()
    assert 'name="unit_code"' not in detail  # the unit may have none: nothing to assign
    decided = officer.post(f"/co-quan/ho-so/{number}/quyet-dinh/",
                           {"decision": "accept", "confirmed": "1"})
    assert decided.status_code == 302
    assert Dossier.objects.get(number=number).status == DossierStatus.ACCEPTED


@pytest.mark.django_db
@REAL_SHAPE
def test_another_form_attached_before_the_declaration_under_its_code_breaks_no_page(
        provider, pki, officer):
    """A signed D02-TS filed under MaToKhai 04/ĐK-IVAN before the real 04: the declaration is
    the attachment whose root is ours, at reception and on every page after."""
    d02 = vendor.dotnet_sign(
        b"<D02-TS><KyKeKhai>11/2026</KyKeKhai><SoLaoDong>3</SoLaoDong><Cky /></D02-TS>", pki,
        "unit", "Cky")
    model = samples.envelope_for(samples.registration())
    model.content.dossier.files.insert(0, xml_file(d02, form_code="04/ĐK-IVAN",
                                                   description="x"))
    model.content.dossier.file_count += 1
    body = sign_envelope(codec.to_bytes(model), pki.pkcs12_key("unit"))
    response = provider.post(body)
    assert response.status_code == 201, response.content
    number = response.json()["number"]
    assert services.declaration_of(Dossier.objects.get(number=number)) is not None
    assert officer.get(f"/co-quan/ho-so/{number}/").status_code == 200
    token = Activation.objects.get(dossier__number=number).token
    assert Client().get(f"/kich-hoat/{token}").status_code == 200  # the unit's own page


@pytest.mark.django_db
@REAL_SHAPE
def test_a_procedure_not_handled_still_needs_a_good_signature(provider, pki):
    tampered = d02_dossier(pki).replace(b"<TenDoiTuong>C", b"<TenDoiTuong>X")
    refused(provider, tampered, "SIG_INVALID")


# ---------------------------------------------------------------- bad attachments


def _unit_signed(pki, model, change=lambda data: data) -> bytes:
    """The declarations signed in their Cky, `change` applied, then the envelope signed: a
    unit's software that wrote something wrong, signed all the same."""
    declared = sign_declarations(codec.to_bytes(model), pki.pkcs12_key("unit"))
    return sign(change(declared), pki.pkcs12_key("unit"), slot=UNIT_SLOT)


def _with_declaration(pki, payload: bytes, form_code: str = "04/ĐK-IVAN") -> bytes:
    model = samples.envelope_for(samples.registration())
    model.content.dossier.files[0] = xml_file(payload, form_code=form_code, description="x")
    return sign(codec.to_bytes(model), pki.pkcs12_key("unit"), slot=UNIT_SLOT)


def _signed_registration(pki) -> bytes:
    return sign(codec.to_bytes(samples.registration()), pki.pkcs12_key("unit"),
                slot=DECLARATION_SLOT)


def _replace_length(data: bytes) -> bytes:
    root = etree.fromstring(data)
    length = root.find(".//FileToKhai/DoDaiFile")
    length.text = str(int(length.text) + 1)
    return etree.tostring(root)


def _break_base64(data: bytes) -> bytes:
    root = etree.fromstring(data)
    root.find(".//FileToKhai/NoiDungFile").text = "*** không phải base64 ***"
    return etree.tostring(root)


def _two_unit_slots(data: bytes) -> bytes:
    root = etree.fromstring(data)
    root.append(etree.fromstring(etree.tostring(root.find(UNIT_SLOT))))
    return etree.tostring(root)


BAD = {
    "Cky missing": (lambda pki: _with_declaration(pki, codec.to_bytes(
        samples.registration()).replace(b"<Cky/>", b"")), "ATTACHMENT_SIG_MISSING"),
    "declaration unsigned": (lambda pki: _with_declaration(
        pki, codec.to_bytes(samples.registration())), "ATTACHMENT_SIG_MISSING"),
    "Cky tampered": (lambda pki: _with_declaration(
        pki, _signed_registration(pki).replace(b"<DiaDanh>H", b"<DiaDanh>X")), "SIG_INVALID"),
    "DoDaiFile wrong": (lambda pki: _unit_signed(
        pki, samples.envelope_for(samples.registration()), _replace_length),
        "ATTACHMENT_LENGTH"),
    "base64 broken": (lambda pki: _unit_signed(
        pki, samples.envelope_for(samples.registration()), _break_base64),
        "XML_BASE64_INVALID"),
    "over the size limit": (lambda pki: sign_envelope(codec.to_bytes(samples.envelope_for(
        samples.registration(), others=[other_file(
            samples.SCAN_PDF + b" " * 70_000, file_name="scan.pdf", form_code="pdf",
            description="Bản chụp")])), pki.pkcs12_key("unit")), "ATTACHMENT_TOO_LARGE"),
    "unknown root": (lambda pki: _with_declaration(pki, sign(
        b"<BangKe><A>1</A><Cky/></BangKe>", pki.pkcs12_key("unit"), slot=DECLARATION_SLOT),
        form_code="xml"), "ATTACHMENT_FORM_UNKNOWN"),
    "two CKy_Dvi": (lambda pki: _two_unit_slots(
        sign_envelope(codec.to_bytes(samples.envelope_for(samples.registration())),
                      pki.pkcs12_key("unit"))), "XML_SCHEMA"),
}


@pytest.mark.django_db
@REAL_SHAPE
@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_attachment_is_refused_with_its_code_and_nothing_stored(
        provider, pki, settings, case):
    settings.OPENIVAN_MAX_ATTACHMENT_BYTES = 64 * 1024
    from openivan.agency import trust

    trust.reset()
    build, code = BAD[case]
    body = build(pki)
    assert body.startswith(b"<") or body.startswith(BOM) or body.startswith(b"<?xml")
    refused(provider, body, code)
