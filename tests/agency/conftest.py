"""The agency configured against the test PKI, a registered provider, and envelope builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from django.test import Client

from openivan.agency import services, trust
from openivan.core.dossier import countersign, sign_envelope
from openivan.core.xml import codec
from openivan.core.xml.envelope import AttachedForm
from openivan.devpki import DevPKI, samples
from tests.staff import new_officer, sign_in_staff


@pytest.fixture
def agency(settings, pki: DevPKI, trust_dir, tmp_path) -> Iterator[None]:
    p12 = tmp_path / "agency.p12"
    p12.write_bytes(pki.pkcs12("agency", "agency-pw"))
    settings.OPENIVAN_TRUST_STORE = str(trust_dir)
    settings.OPENIVAN_AGENCY_P12 = str(p12)
    settings.OPENIVAN_AGENCY_P12_PASSWORD = "agency-pw"
    settings.OPENIVAN_REVOCATION = "hard"
    trust.reset()
    yield
    trust.reset()


@dataclass
class ProviderClient:
    code: str
    api_key: str
    client: Client

    def post(self, body: bytes, api_key: str | None = None,  # type: ignore[no-untyped-def]
             idempotency_key: str | None = None):
        headers = {"authorization": f"Bearer {api_key or self.api_key}"}
        if idempotency_key is not None:
            headers["idempotency-key"] = idempotency_key
        return self.client.post("/api/v1/dossiers", data=body, content_type="application/xml",
                                headers=headers)

    def get(self, path: str):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}",
                               headers={"authorization": f"Bearer {self.api_key}"})


@pytest.fixture
def provider(agency, db, pki: DevPKI) -> ProviderClient:
    registered, key = services.register_provider(samples.PROVIDER.code, samples.PROVIDER.name,
                                                 "0100109106", [pki.certificate("provider")])
    return ProviderClient(registered.code, key, Client())


@pytest.fixture
def officer(db) -> Client:
    """A signed-in officer (cán bộ xử lý) past the second factor."""
    client = Client()
    sign_in_staff(client, new_officer())
    return client


Envelope = Callable[..., bytes]


@pytest.fixture
def envelope(pki: DevPKI) -> Envelope:
    """Build an envelope in the real shape, sign it as the unit (the declaration in its Cky,
    the envelope in CKy_Dvi) and countersign it as the provider (CKy_IVAN; `provider=None`:
    not countersigned, as real I-VAN software sends)."""

    def build(declaration: codec.XmlModel | None = None, *,
              unit: str = "unit", provider: str | None = "provider",
              tax_code: str = samples.UNIT_TAX_CODE, ivan_code: str | None = None,
              signed_at: datetime | None = None,
              countersigned_at: datetime | None = None,
              others: list[AttachedForm] | None = None) -> bytes:
        model = samples.envelope_for(declaration or samples.registration(), tax_code=tax_code,
                                     others=others)
        if ivan_code:
            model.content.ivan = type(model.content.ivan)(ivan_code, "I-VAN KHÁC")
        signed = sign_envelope(codec.to_bytes(model), pki.pkcs12_key(unit),
                               signing_time=signed_at)
        if provider is None:
            return signed
        return countersign(signed, pki.pkcs12_key(provider), signing_time=countersigned_at)

    return build
