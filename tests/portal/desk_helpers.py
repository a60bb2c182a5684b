"""The reception desk in tests: desk officers, reception points, declarations waiting for the
desk as the portal's pages leave them (confirmed online, to be filed within 10 days), CSV files
of records."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from openivan.core.identifiers import search_key
from openivan.core.reference import new_reference
from openivan.core.xml import individual
from openivan.core.xml.individual import IndividualRegistration, RequestedTransaction
from openivan.portal.models import Declaration, DeclarationStatus, Filing, ReceptionPoint
from tests.staff import PASSWORD, sign_in_staff

HEADER = "ma_so_bhxh,ho_ten,ngay_sinh,gioi_tinh,so_giay_to\n"
AN = "0123456789,Nguyễn Văn An,17/05/1990,Nam,001090000001;012345678\n"


def desk_officer(username: str = "tiepnhan01", *codenames: str) -> User:
    """An officer of the reception desk (portal.desk), and what else `codenames` name."""
    user = User.objects.create_user(username, password=PASSWORD)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["desk", *codenames]))
    return user


def signed_in(user: User) -> Client:
    client = Client()
    sign_in_staff(client, user)
    return client


def point(code: str = "01001", name: str = "BHXH quận Hoàn Kiếm") -> ReceptionPoint:
    return ReceptionPoint.objects.get_or_create(code=code, defaults={"name": name})[0]


def declared(**changes: object) -> IndividualRegistration:
    """Nguyễn Văn An's 01/ĐK-GD, to be filed at a reception point."""
    model = IndividualRegistration(
        full_name="Nguyễn Văn An", birth_date=date(1990, 5, 17), sex="Nam",
        bhxh_number="0123456789", id_type="CCCD", id_number="001090000001",
        id_issued_on=date(2021, 4, 10), id_issued_by="Cục Cảnh sát QLHC về TTXH",
        address="Số 1 Đinh Tiên Hoàng, Hoàn Kiếm, Hà Nội", mobile="0912345678",
        agency="BHXH quận Hoàn Kiếm",
        transactions=[RequestedTransaction("TRA_CUU"), RequestedTransaction("CHE_DO")],
        filing="TaiCoQuanBHXH", place="Hà Nội", declared_on=date(2026, 12, 1),
        email="an.nguyen@example.vn", reception_point="BHXH quận Hoàn Kiếm")
    return dataclasses.replace(model, **changes)


def awaiting(model: IndividualRegistration | None = None, *,
             confirmed_at: datetime | None = None,
             at: ReceptionPoint | None = None) -> Declaration:
    """A declaration confirmed online, to be filed at `at` within 10 days."""
    model = model or declared()
    confirmed_at = confirmed_at or timezone.now()
    return Declaration.objects.create(
        reference=new_reference(), filing=Filing.DESK, status=DeclarationStatus.AWAITING_DESK,
        document=individual.build(model), bhxh_number=model.bhxh_number,
        full_name=model.full_name, name_key=search_key(model.full_name),
        id_number=model.id_number, phone="84" + model.mobile[1:], email=model.email or "",
        reception_point=at or point(), received_at=confirmed_at,
        deadline_at=confirmed_at + timedelta(days=10))


def paper_form(**changes: Any) -> dict[str, Any]:
    """What the officer types from a paper Mẫu số 01 (field names as the page posts them)."""
    return {"full_name": "Trần Thị Bình", "birth_date": "12/08/1985", "sex": "Nu",
            "bhxh_number": "0198765432", "id_type": "CMND", "id_number": "012345678",
            "id_issued_on": "01/02/2010", "id_issued_by": "Công an Hà Nội",
            "address": "Số 6 Thể Giao, Hai Bà Trưng, Hà Nội", "mobile": "0987654321",
            "email": "binh.tran@example.vn", "agency": "BHXH quận Hai Bà Trưng",
            "place": "Hà Nội", "declared_on": "01/12/2026", "transactions": ["TRA_CUU"],
            **changes}
