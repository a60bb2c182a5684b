"""A dossier signed by a token elsewhere is believed only if it is the one prepared, signed
by the chosen certificate."""

from __future__ import annotations

import pytest

from openivan.core.dossier import sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.core.signed_as_prepared import check_signed_as_prepared
from openivan.core.xml import codec
from openivan.devpki import DevPKI, samples


@pytest.fixture
def prepared() -> bytes:
    return codec.to_bytes(samples.envelope_for(samples.registration(), others=[samples.scan()]))


def _refusal(prepared: bytes, signed: bytes, pki: DevPKI, label: str = "unit") -> str:
    with pytest.raises(OpenIvanError) as refused:
        check_signed_as_prepared(prepared, signed, pki.certificate(label))
    return refused.value.code


def test_the_prepared_dossier_signed_by_the_chosen_certificate_is_believed(prepared, pki):
    check_signed_as_prepared(prepared, sign_envelope(prepared, pki.pkcs12_key("unit")),
                             pki.certificate("unit"))


def test_a_signature_by_another_certificate_is_refused(prepared, pki):
    signed = sign_envelope(prepared, pki.pkcs12_key("unit2"))
    assert _refusal(prepared, signed, pki) == "SIGNED_BY_OTHER_CERTIFICATE"


def test_a_word_changed_before_signing_is_refused(prepared, pki):
    changed = prepared.replace(b"BHXH qu\xe1\xba\xadn Ho\xc3\xa0n Ki\xe1\xba\xbfm",
                               b"BHXH qu\xe1\xba\xadn Ba \xc4\x90\xc3\xacnh")
    assert changed != prepared
    signed = sign_envelope(changed, pki.pkcs12_key("unit"))
    assert _refusal(prepared, signed, pki).startswith("SIGNED_CONTENT_CHANGED")


def test_a_declaration_changed_before_signing_is_refused(pki):
    prepared = codec.to_bytes(samples.envelope_for(samples.registration()))
    other = samples.registration()
    other.contact_person = "Người khác"
    swapped = codec.to_bytes(samples.envelope_for(other))
    signed = sign_envelope(swapped, pki.pkcs12_key("unit"))
    with pytest.raises(OpenIvanError) as refused:
        check_signed_as_prepared(prepared, signed, pki.certificate("unit"))
    assert refused.value.details["where"] == "FileToKhai[1]"


def test_a_file_added_before_signing_is_refused(prepared, pki):
    more = codec.to_bytes(samples.envelope_for(samples.registration(),
                                               others=[samples.scan(), samples.scan("b.pdf")]))
    signed = sign_envelope(more, pki.pkcs12_key("unit"))
    assert _refusal(prepared, signed, pki) == "SIGNED_CONTENT_CHANGED"


def test_bytes_that_are_not_signed_are_refused(prepared, pki):
    assert _refusal(prepared, prepared, pki).startswith("SIG_")
