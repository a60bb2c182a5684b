"""A provider's service against the real agency: both roles in one test server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from django.contrib.auth import get_user_model

from openivan.core.agency_client import AgencyClient
from openivan.devpki import DevPKI, samples
from openivan.provider import settings as provider_settings
from openivan.provider.models import Unit
from openivan.provider.services import certificates, units
from tests.agency.conftest import ProviderClient, agency, provider  # noqa: F401


@pytest.fixture
def connected(settings, live_server, provider: ProviderClient, pki: DevPKI,  # noqa: F811
              tmp_path: Path) -> Iterator[None]:
    """The provider's settings pointing at the live agency, with the agency's certificate
    pinned and the provider's countersigning key (the agency asks for it)."""
    pem = tmp_path / "agency.pem"
    pem.write_bytes(pki.certificate("agency").public_bytes(serialization.Encoding.PEM))
    p12 = tmp_path / "provider.p12"
    p12.write_bytes(pki.pkcs12("provider", "provider-pw"))
    settings.OPENIVAN_AGENCY_URL = live_server.url
    settings.OPENIVAN_AGENCY_API_KEY = provider.api_key
    settings.OPENIVAN_AGENCY_CERTIFICATES = str(pem)
    settings.OPENIVAN_PROVIDER_P12 = str(p12)
    settings.OPENIVAN_PROVIDER_P12_PASSWORD = "provider-pw"
    settings.OPENIVAN_PUBLIC_URL = live_server.url
    yield


@pytest.fixture
def client(connected: None) -> Iterator[AgencyClient]:
    made = provider_settings.agency_client()
    yield made
    made.close()


@pytest.fixture
def accountant(db):  # type: ignore[no-untyped-def]
    """A provider's account (the unit's own accounts are made by the tests that sign in)."""
    return get_user_model().objects.create_user("ivan:ketoan.truong", password="x" * 16)


@pytest.fixture
def bare_unit(accountant) -> Unit:  # type: ignore[no-untyped-def]
    """The demo unit with no certificate yet."""
    made = units.create_unit(
        samples.UNIT_TAX_CODE, samples.UNIT_NAME, accountant, unit_code="TA1234",
        address="Số 7 Tràng Thi, Hoàn Kiếm, Hà Nội", email="ketoan@giaiphapmo.vn",
        phone="0912345678", province="Hà Nội", managing_agency="BHXH quận Hoàn Kiếm",
        contact_person="Nguyễn Văn An", legal_representative="Nguyễn Văn An")
    units.grant(made, accountant, accountant)
    return made


@pytest.fixture
def unit(bare_unit: Unit, accountant, pki: DevPKI) -> Unit:  # type: ignore[no-untyped-def]
    """The demo unit with its certificate from a file."""
    certificates.add_file_certificate(bare_unit, pki.certificate("unit"), accountant)
    return bare_unit
