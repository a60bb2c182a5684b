"""The unit's 04, 05 and 06 built from its profile: each missing field named; what is built
is what the agency receives (signed and sent to the real intake)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from openivan.agency.services import activation
from openivan.core import declarations
from openivan.core.agency_client import AgencyClient
from openivan.core.declarations import UnitProfile
from openivan.core.dossier import countersign, sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.core.pki.facts import facts
from openivan.core.xml import codec, forms
from openivan.devpki import DevPKI, samples
from tests.agency.conftest import ProviderClient, agency, provider  # noqa: F401
from tests.conftest import run_worker
from tests.mailserver import activation_link, confirmation_code

TODAY = date(2026, 12, 2)


def _profile(**changes: object) -> UnitProfile:
    profile = UnitProfile(
        tax_code=samples.UNIT_TAX_CODE, name=samples.UNIT_NAME, unit_code="TA1234",
        address="Số 7 Tràng Thi, Hoàn Kiếm, Hà Nội", email="ketoan@giaiphapmo.vn",
        phone="0912 345 678", province="Hà Nội", managing_agency="BHXH quận Hoàn Kiếm",
        contact_person="Nguyễn Văn An", legal_representative="Nguyễn Văn An")
    for name, value in changes.items():
        setattr(profile, name, value)
    return profile


def test_every_missing_field_is_named_at_once(pki: DevPKI) -> None:
    with pytest.raises(OpenIvanError) as refused:
        declarations.registration(_profile(address="", email=" ", contact_person=""), None,
                                  samples.PROVIDER, TODAY)
    error = refused.value
    assert error.code == "DECLARATION_INCOMPLETE"
    assert error.details["fields"] == ["address", "email", "contact_person", "certificate"]
    assert "Địa chỉ, Email, Người liên hệ, Chứng thư số" in error.message_vi


def test_a_unit_without_a_unit_code_must_give_its_licence(pki: DevPKI) -> None:
    with pytest.raises(OpenIvanError) as refused:
        declarations.registration(_profile(unit_code=None), facts(pki.certificate("unit")),
                                  samples.PROVIDER, TODAY)
    assert refused.value.details["fields"] == ["licence_number", "licence_issuer"]


def test_a_stop_date_in_the_past_is_refused() -> None:
    with pytest.raises(OpenIvanError) as refused:
        declarations.stop(_profile(), samples.PROVIDER, TODAY, stop_on=date(2026, 12, 1),
                          reason="Chuyển sang nhà cung cấp khác")
    assert refused.value.code == "STOP_DATE_PAST"
    with pytest.raises(OpenIvanError) as incomplete:
        declarations.stop(_profile(), samples.PROVIDER, TODAY, stop_on=None, reason=" ")
    assert incomplete.value.details["fields"] == ["stop_on", "reason"]


def test_the_certificate_block_names_the_certificate_as_vendors_print_it(pki: DevPKI) -> None:
    block = declarations.certificate_info(facts(pki.certificate("unit")))
    assert block.issuer == "OpenIVAN Demo CA" and block.subject == samples.UNIT_NAME
    assert block.serial == format(pki.certificate("unit").serial_number, "X")


@pytest.fixture
def send(live_server, provider: ProviderClient, pki: DevPKI) -> Iterator:  # noqa: F811
    client = AgencyClient(live_server.url, provider.api_key,
                          [pki.pkcs12_key("agency").certificate], timeout=10)

    def sent(declaration: codec.XmlModel, key: str) -> str:
        model = declarations.envelope_for(declaration, _profile(), samples.PROVIDER, TODAY)
        signed = sign_envelope(codec.to_bytes(model), pki.pkcs12_key("unit"))
        reception = client.submit(countersign(signed, pki.pkcs12_key("provider")), key)
        assert reception.created
        return {a.kind: a.result for a in reception.answers}["reception"]
    yield sent
    client.close()


@pytest.mark.django_db(transaction=True)
def test_what_is_built_from_the_profile_is_received_by_the_agency(send, pki: DevPKI,
                                                                  mailserver) -> None:
    certificate = facts(pki.certificate("unit"))
    registered = declarations.registration(_profile(), certificate, samples.PROVIDER, TODAY)
    assert send(registered, "dk-1") == "DaTiepNhan"
    run_worker()  # the activation email; the unit confirms its code: registered
    [email] = mailserver.messages
    activation.activate(activation_link(email).rsplit("/", 1)[1], confirmation_code(email),
                        reissue_password=False)
    changed = declarations.change(
        _profile(), forms.RegisteredDetails(registered.certificate, "ketoan@giaiphapmo.vn",
                                            "Nguyễn Văn An"),
        certificate, samples.PROVIDER, TODAY, email="nhansu@giaiphapmo.vn",
        reason="Gia hạn chứng thư số")
    assert send(changed, "sd-1") == "DaTiepNhan"
    stopped = declarations.stop(_profile(), samples.PROVIDER, TODAY, stop_on=date(2026, 12, 31),
                                reason="Chuyển sang nhà cung cấp khác")
    assert send(stopped, "ng-1") == "DaTiepNhan"
