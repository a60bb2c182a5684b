"""The portal against the dev PKI (person certificates, OCSP, CRL), the agency's key and trust
store, the records of insured persons, and a real SMTP server."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from openivan.core.identifiers import search_key
from openivan.core.reference import new_reference
from openivan.core.xml import individual
from openivan.core.xml.individual import IndividualRegistration, RequestedTransaction
from openivan.devpki import DevPKI
from openivan.portal.models import (
    Declaration,
    DeclarationStatus,
    InsuredRecord,
    ReceptionPoint,
    RecordIdNumber,
)
from tests.agency.conftest import agency  # noqa: F401  (the agency's key and trust store)

TODAY = date(2026, 12, 3)


def declared(**changes: object) -> IndividualRegistration:
    """The declaration of the person of the dev PKI's `person-cccd` certificate."""
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


def signed(pki: DevPKI, model: IndividualRegistration | None = None,
           label: str = "person-cccd") -> bytes:
    return individual.sign(individual.build(model or declared()), pki.pkcs12_key(label))


def record_of(model: IndividualRegistration | None = None, **changes: object) -> InsuredRecord:
    """The agency's record of the person, as declared unless `changes` say otherwise."""
    model = model or declared()
    values = {"bhxh_number": model.bhxh_number, "full_name": model.full_name,
              "birth_date": model.birth_date, "sex": model.sex,
              "id_numbers": model.id_number, **changes}
    birth = values["birth_date"]
    record = InsuredRecord.objects.create(
        bhxh_number=values["bhxh_number"], full_name=values["full_name"],
        name_key=search_key(str(values["full_name"])), birth_date=birth,
        birth_year=birth.year if isinstance(birth, date) else 1990, sex=values["sex"],
        id_numbers=values["id_numbers"], updated_at=timezone.now())
    for number in str(values["id_numbers"]).split(";"):
        if number:
            RecordIdNumber.objects.create(record=record, number=number)
    return record


def stored(model: IndividualRegistration | None = None, *,
           received_at: datetime | None = None,
           status: str = DeclarationStatus.RECEIVED) -> Declaration:
    """A declaration row as the intake stores it (for the decisions' own tests)."""
    model = model or declared()
    received_at = received_at or timezone.now()
    return Declaration.objects.create(
        reference=new_reference(), filing=model.filing, status=status,
        document=individual.build(model), bhxh_number=model.bhxh_number,
        full_name=model.full_name, name_key=search_key(model.full_name),
        id_number=model.id_number, phone="84" + model.mobile[1:], email=model.email or "",
        received_at=received_at, deadline_at=received_at + timedelta(minutes=15))


@pytest.fixture
def portal(agency, settings):  # type: ignore[no-untyped-def]  # noqa: F811
    """The agency configured (its key, the dev PKI's trust store, revocation hard), and the CSC
    test service's host (loopback) among the remote signing services it works with."""
    settings.OPENIVAN_PORTAL_CSC_HOSTS = ["127.0.0.1"]
    return settings


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
