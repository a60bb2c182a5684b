"""01/ĐK-GD of an individual: build, hardened read, every field checked, signed and verified,
the certificate's CCCD/CMND against the declared one."""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import date

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.pki.chain import ChainValidator, TrustStore
from openivan.core.xml import individual
from openivan.core.xml.individual import IndividualRegistration, RequestedTransaction

TODAY = date(2026, 12, 3)


def sample(**changes: object) -> IndividualRegistration:
    model = IndividualRegistration(
        full_name="Nguyễn Văn An", birth_date=date(1990, 5, 17), sex="Nam",
        bhxh_number="0123456789", id_type="CCCD", id_number="001090000001",
        id_issued_on=date(2021, 4, 10), id_issued_by="Cục Cảnh sát QLHC về TTXH",
        address="Số 1 Đinh Tiên Hoàng, Hoàn Kiếm, Hà Nội", mobile="0912345678",
        agency="BHXH quận Hoàn Kiếm",
        transactions=[RequestedTransaction("TRA_CUU"), RequestedTransaction("CHE_DO")],
        filing="ChungThuSo", place="Hà Nội", declared_on=date(2026, 12, 1),
        email="an.nguyen@example.vn")
    return dataclasses.replace(model, **changes)


def form_of(model: IndividualRegistration) -> dict[str, object]:
    """The portal form's data for `model`: dates as typed, transactions as codes."""
    data: dict[str, object] = {}
    for f in dataclasses.fields(model):
        value = getattr(model, f.name)
        if isinstance(value, date):
            value = value.strftime("%d/%m/%Y")
        elif isinstance(value, list):
            value = [t.code for t in value]
        data[f.name] = value
    return data


def problems_of(caught: pytest.ExceptionInfo[OpenIvanError]) -> dict[str, str]:
    assert caught.value.code == "DECLARATION_INVALID"
    return {p["field"]: p["code"] for p in caught.value.details["problems"]}


def test_built_declaration_reads_back_equal_and_has_an_empty_signature_slot():
    data = individual.build(sample())
    root = etree.fromstring(data)
    assert root.tag == "DangKyGiaoDichCaNhan" and root.nsmap.get(None) is None
    assert root[-1].tag == "CKy" and len(root[-1]) == 0
    assert root.findtext("NgaySinh") == "17/05/1990"
    assert [e.text for e in root.iter("MaGiaoDich")] == ["TRA_CUU", "CHE_DO"]
    assert individual.read(data, today=TODAY) == sample()


def test_every_faulty_field_is_named_in_one_refusal():
    data = {
        "full_name": "", "birth_date": "31/02/1990", "sex": "Khac", "bhxh_number": "12345",
        "id_type": "CCCD", "id_number": "12345", "id_issued_on": "01/01/2020",
        "id_issued_by": "Hà Nội", "address": "Hà Nội", "mobile": "+1 202 555 0143",
        "agency": "BHXH Hà Nội", "transactions": ["TRA_CUU", "BAY_LUON"],
        "filing": "TaiCoQuanBHXH", "place": "Hà Nội", "declared_on": "01/12/2026",
        "email": "not-an-email",
    }
    with pytest.raises(OpenIvanError) as caught:
        individual.read_form(data, today=TODAY)
    assert problems_of(caught) == {
        "HoTen": "FIELD_REQUIRED", "NgaySinh": "FIELD_DATE", "GioiTinh": "FIELD_CHOICE",
        "MaSoBHXH": "BHXH_NUMBER_FORMAT", "SoGiayTo": "CCCD_FORMAT",
        "DienThoaiDiDong": "PHONE_FORMAT", "Email": "EMAIL_FORMAT",
        "GiaoDichDeNghi": "TRANSACTION_UNKNOWN", "NoiTiepNhan": "RECEPTION_POINT_REQUIRED",
    }
    assert caught.value.details["count"] == 9
    first = caught.value.details["problems"][0]
    assert first["message"] and first["message_en"]  # Vietnamese and English for each


def test_the_form_accepts_iso_dates_and_loose_spacing():
    model = individual.read_form({
        **form_of(sample()), "birth_date": "1990-05-17", "id_number": " 001090000001 ",
    }, today=TODAY)
    assert model == sample()


@pytest.mark.parametrize("changes, field, code", [
    ({"id_type": "CMND", "id_number": "0123456789"}, "SoGiayTo", "CMND_FORMAT"),
    ({"id_type": "HoChieu", "id_number": "12345678"}, "SoGiayTo", "PASSPORT_FORMAT"),
    ({"mobile": "0212345678"}, "DienThoaiDiDong", "PHONE_NETWORK"),
    ({"birth_date": date(2027, 1, 1)}, "NgaySinh", "FIELD_DATE_FUTURE"),
    ({"birth_date": date(2020, 1, 1), "id_issued_on": date(2021, 1, 1),
      "id_number": "001220000001"}, "NgaySinh", "BIRTH_DATE_RANGE"),
    ({"sex": "Nu"}, "SoGiayTo", "CCCD_MISMATCH"),  # digit 4 is 0: a man born in the 1900s
    ({"birth_date": date(1991, 5, 17)}, "SoGiayTo", "CCCD_MISMATCH"),  # digits 5-6: 90
    ({"id_issued_on": date(1985, 1, 1)}, "NgayCap", "ID_ISSUED_BEFORE_BIRTH"),
    ({"transactions": []}, "GiaoDichDeNghi", "FIELD_REQUIRED"),
    ({"transactions": [RequestedTransaction("TRA_CUU")] * 2}, "GiaoDichDeNghi",
     "TRANSACTION_DUPLICATE"),
    ({"full_name": "A" * 101}, "HoTen", "FIELD_TOO_LONG"),
    ({"filing": "BuuDien"}, "HinhThucNop", "FIELD_CHOICE"),
])
def test_each_rule_has_its_code_and_names_its_field(changes, field, code):
    with pytest.raises(OpenIvanError) as caught:
        individual.check_or_raise(sample(**changes), today=TODAY)
    assert problems_of(caught) == {field: code}


def test_a_cccd_agreeing_with_sex_and_year_of_birth_is_accepted():
    woman_2000s = sample(sex="Nu", birth_date=date(2005, 2, 3), id_number="079305001234",
                         id_issued_on=date(2021, 1, 1))
    individual.check_or_raise(woman_2000s, today=TODAY)


def test_a_single_transaction_from_the_form_is_one_code_not_its_letters():
    model = individual.read_form({**form_of(sample()), "transactions": "TRA_CUU"},
                                 today=TODAY)
    assert model.transactions == [RequestedTransaction("TRA_CUU")]


def test_messages_name_the_field_by_its_label():
    with pytest.raises(OpenIvanError) as caught:
        individual.check_or_raise(sample(full_name=""), today=TODAY)
    (problem,) = caught.value.details["problems"]
    assert problem["label"] == "Họ và tên"
    assert problem["message"] == "Trường Họ và tên bắt buộc phải khai."


def test_a_passport_and_filing_at_a_reception_point_are_accepted():
    model = sample(id_type="HoChieu", id_number="C1234567", filing="TaiCoQuanBHXH",
                   reception_point="Bộ phận một cửa BHXH quận Hoàn Kiếm", email=None)
    assert individual.read(individual.build(model), today=TODAY) == model


def test_reading_refuses_unexpected_and_repeated_elements_naming_them():
    root = etree.fromstring(individual.build(sample()))
    etree.SubElement(root, "MatKhau").text = "x"
    root.insert(0, etree.fromstring("<HoTen>Trần Thị Bình</HoTen>"))
    with pytest.raises(OpenIvanError) as caught:
        individual.read(etree.tostring(root), today=TODAY)
    assert problems_of(caught) == {"MatKhau": "XML_FIELD_INVALID", "HoTen": "XML_FIELD_INVALID"}


def test_reading_refuses_another_document_and_hostile_xml():
    with pytest.raises(OpenIvanError) as caught:
        individual.read(b"<DangKyIVAN/>")
    assert caught.value.code == "DECLARATION_ROOT"
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
            b"<DangKyGiaoDichCaNhan><HoTen>&a;</HoTen></DangKyGiaoDichCaNhan>")
    with pytest.raises(OpenIvanError) as caught:
        individual.read(bomb)
    assert caught.value.code in ("XML_ENTITY_FORBIDDEN", "XML_DTD_FORBIDDEN")
    with pytest.raises(OpenIvanError) as caught:
        individual.read(b"<DangKyGiaoDichCaNhan>")
    assert caught.value.code == "XML_MALFORMED"


def test_decomposed_vietnamese_is_read_composed():
    import unicodedata

    data = individual.build(sample()).replace(
        "Nguyễn Văn An".encode(), unicodedata.normalize("NFD", "Nguyễn Văn An").encode())
    assert individual.read(data, today=TODAY).full_name == "Nguyễn Văn An"


# ---------------------------------------------------------------- signatures

def test_signed_with_the_persons_certificate_verifies_and_the_cccd_matches(pki, tmp_path):
    signed = individual.sign(individual.build(sample()), pki.pkcs12_key("person-cccd"))
    chains = ChainValidator(TrustStore.from_directory(pki.write_trust_store(tmp_path / "trust")))
    verified = individual.verify_signed(signed, chains=chains, today=TODAY)
    assert verified.declaration == sample()
    assert verified.validation is not None
    assert verified.signature.certificate == pki.certificate("person-cccd")


def test_xmlsec1_verifies_the_persons_signature(pki, tmp_path):
    signed = individual.sign(individual.build(sample()), pki.pkcs12_key("person-cccd"))
    (tmp_path / "d.xml").write_bytes(signed)
    for label in ("root", "interm"):
        (tmp_path / f"{label}.pem").write_bytes(
            pki.certificate(label).public_bytes(serialization.Encoding.PEM))
    result = subprocess.run(
        ["xmlsec1", "--verify", "--trusted-pem", str(tmp_path / "root.pem"),
         "--untrusted-pem", str(tmp_path / "interm.pem"), "--verification-gmt-time",
         "2026-12-03 00:00:00", "--enabled-reference-uris", "empty,same-doc",
         str(tmp_path / "d.xml")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_a_certificate_of_another_person_is_refused(pki):
    signed = individual.sign(individual.build(sample()), pki.pkcs12_key("person-cmnd"))
    with pytest.raises(OpenIvanError) as caught:
        individual.verify_signed(signed, today=TODAY)
    assert caught.value.code == "CERT_PERSON_MISMATCH"
    assert caught.value.details == {"certificate": "012345678", "declared": "001090000001"}


def test_a_unit_certificate_carrying_no_personal_id_is_refused(pki):
    signed = individual.sign(individual.build(sample()), pki.pkcs12_key("unit"))
    with pytest.raises(OpenIvanError) as caught:
        individual.verify_signed(signed, today=TODAY)
    assert caught.value.code == "CERT_NO_PERSON_ID"


def test_a_cmnd_certificate_matches_a_declaration_made_with_that_cmnd(pki):
    model = sample(id_type="CMND", id_number="012345678")
    signed = individual.sign(individual.build(model), pki.pkcs12_key("person-cmnd"))
    assert individual.verify_signed(signed, today=TODAY).declaration == model


def test_a_declaration_changed_after_signing_is_refused(pki):
    signed = individual.sign(individual.build(sample()), pki.pkcs12_key("person-cccd"))
    tampered = signed.replace(b"0912345678", b"0987654321")
    with pytest.raises(OpenIvanError) as caught:
        individual.verify_signed(tampered, today=TODAY)
    assert caught.value.code == "SIG_INVALID"


def test_an_unsigned_declaration_is_refused_as_unsigned():
    with pytest.raises(OpenIvanError) as caught:
        individual.verify_signed(individual.build(sample()), today=TODAY)
    assert caught.value.code == "SIG_MISSING"


def test_a_signed_declaration_with_a_faulty_field_names_the_field(pki):
    model = sample()
    data = individual.build(model).replace(b"0123456789", b"01234")
    signed = individual.sign(data, pki.pkcs12_key("person-cccd"))
    with pytest.raises(OpenIvanError) as caught:
        individual.verify_signed(signed, today=TODAY)
    assert problems_of(caught) == {"MaSoBHXH": "BHXH_NUMBER_FORMAT"}
