"""The individuals' portal in the demo: synthetic records of insured persons (a CSV shipped with
the demo, ~320 people, among them the dev PKI's two persons whose certificates sign in the
demo), a few reception points, and a desk officer whose password is published on the demo's
banner — which is why this lives in the demo app, never in the portal a production runs. Safe
to run again (upserts; the officer kept).

`openivan manage demo_setup` (run by `openivan demo run`) calls `load()` when the portal is
installed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from openivan.portal.models import ReceptionPoint
from openivan.portal.services import records

RECORDS_CSV = Path(__file__).resolve().parent / "data" / "records.csv"
# The dev PKI's persons (openivan.devpki: person-cccd, person-cmnd) as the records hold them.
PERSONS = {"person-cccd": ("0123456789", "Nguyễn Văn An", "001090000001"),
           "person-cmnd": ("0198765432", "Trần Thị Bình", "012345678")}
POINTS = [
    ("01001", "BHXH quận Hoàn Kiếm", "Số 11 Phan Huy Chú, Hoàn Kiếm, Hà Nội"),
    ("01002", "BHXH quận Hai Bà Trưng", "Số 6 Thể Giao, Hai Bà Trưng, Hà Nội"),
    ("79001", "BHXH Quận 1", "Số 117C Nguyễn Đình Chính, Phú Nhuận, TP Hồ Chí Minh"),
    ("48001", "BHXH quận Hải Châu", "Số 96 Lê Lợi, Hải Châu, Đà Nẵng"),
]
DESK_OFFICER = ("tiepnhan01", "Tiep-nhan-demo-2026")
DESK_PERMISSIONS = ("desk", "import_records", "view_auditevent")


@dataclass(frozen=True)
class Loaded:
    records: int
    points: int
    officer: str


def grant_desk(username: str) -> None:
    """Give an existing account the desk's permissions (e.g. the demo's officer)."""
    user = get_user_model().objects.get(username=username)
    user.user_permissions.add(*Permission.objects.filter(codename__in=DESK_PERMISSIONS))


def load(officer: tuple[str, str] = DESK_OFFICER) -> Loaded:
    with transaction.atomic():
        for code, name, address in POINTS:
            ReceptionPoint.objects.update_or_create(code=code, defaults={
                "name": name, "address": address, "active": True})
        users = get_user_model()
        if not users.objects.filter(username=officer[0]).exists():
            users.objects.create_user(officer[0], password=officer[1], is_staff=True)
        grant_desk(officer[0])
    imported = records.import_file(RECORDS_CSV, "demo")
    return Loaded(imported.rows_imported, len(POINTS), officer[0])
