"""01/TB-GDĐT lists every reason a declaration was refused, each with its code and field."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from lxml import etree

from openivan.core import portal_notice
from openivan.core.errors import OpenIvanError
from openivan.core.records import Record, find_and_match
from openivan.core.xml import codec, individual
from tests.core.test_individual_declaration import TODAY, sample


def test_every_faulty_field_becomes_a_reason_naming_its_element():
    with pytest.raises(OpenIvanError) as caught:
        individual.check_or_raise(sample(full_name="", mobile="0212345678"), today=TODAY)
    items = portal_notice.reasons(caught.value)
    assert [(r.code, r.path) for r in items] == [
        ("FIELD_REQUIRED", "HoTen"), ("PHONE_NETWORK", "DienThoaiDiDong")]
    assert items[0].message == "Trường Họ và tên bắt buộc phải khai."


def test_a_refused_certificate_and_record_mismatches_are_listed_in_the_notice(pki):
    signed = individual.sign(individual.build(sample()), pki.pkcs12_key("person-cmnd"))
    with pytest.raises(OpenIvanError) as caught:
        individual.verify_signed(signed, today=TODAY)
    record = Record("0123456789", "Nguyễn Văn Ân", date(1990, 5, 17), 1990, "Nam",
                    ("001090000001",))
    result = find_and_match(sample(), {"0123456789": record}.get)
    items = portal_notice.reasons(caught.value, result.mismatches)
    notice = portal_notice.non_acceptance(
        notice_number="TB-0001", agency="BHXH quận Hoàn Kiếm", recipient="Nguyễn Văn An",
        items=items, issued_on=TODAY, dossier_number="HK-20261203-000001",
        received_at=datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    root = etree.fromstring(codec.to_bytes(notice))
    assert root.tag == "ThongBaoKhongChapNhan"
    codes = [e.findtext("Ma") for e in root.iter("LyDo")]
    assert codes == ["CERT_PERSON_MISMATCH", "RECORD_NAME_MISMATCH", "LIEN_HE"]
    assert "19009068" in root.findtext("LyDos/LyDo[3]/MoTa")
    assert root.findtext("LyDos/LyDo[2]/ViTri") == "HoTen"
