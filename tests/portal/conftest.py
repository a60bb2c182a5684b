"""The individuals' pages: a reception point and a person's valid 01/ĐK-GD as the form takes it."""

from __future__ import annotations

from typing import Any

import pytest

from openivan.portal.models import ReceptionPoint


@pytest.fixture
def reception_point(db) -> ReceptionPoint:  # type: ignore[no-untyped-def]
    return ReceptionPoint.objects.create(
        code="01001", name="BHXH quận Hoàn Kiếm", address="Số 9 Lê Thạch, Hoàn Kiếm, Hà Nội")


def person_form(**changes: Any) -> dict[str, Any]:
    """Nguyễn Văn An's declaration as typed into the form (CCCD 001090000001: the dev PKI's
    person certificate carries it)."""
    values: dict[str, Any] = {
        "full_name": "Nguyễn Văn An", "birth_date": "17/05/1990", "sex": "Nam",
        "bhxh_number": "0123456789", "id_type": "CCCD", "id_number": "001090000001",
        "id_issued_on": "10/04/2021", "id_issued_by": "Cục Cảnh sát QLHC về TTXH",
        "address": "Số 1 Đinh Tiên Hoàng, Hoàn Kiếm, Hà Nội", "mobile": "0912345678",
        "email": "an.nguyen@example.vn", "agency": "BHXH quận Hoàn Kiếm",
        "transactions": ["TRA_CUU", "CHE_DO"], "place": "Hà Nội"}
    values.update(changes)
    return values
