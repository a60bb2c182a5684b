"""End to end: documents signed with bad certificates are refused with the certificate's code."""

import pytest

from openivan.core.dossier import sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.core.xml import codec
from openivan.core.xml.envelope import UNIT_SLOT
from openivan.core.xmlsig import sign
from openivan.devpki import samples


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return codec.to_bytes(samples.envelope_for(samples.registration()))


@pytest.mark.parametrize(("label", "code"), [
    ("unit-revoked", "CERT_REVOKED"),
    ("unit-expired", "CERT_EXPIRED"),
    ("unit-untrusted", "CERT_UNTRUSTED"),
    ("unit-encipher-only", "CERT_KEY_USAGE"),
])
def test_document_signed_with_a_bad_certificate_is_refused(pki, verifier, unsigned, label, code):
    signed = sign_envelope(unsigned, pki.pkcs12_key(label))
    with pytest.raises(OpenIvanError) as info:
        verifier.verify_envelope(signed, require_provider=False)
    assert info.value.code == code


def test_revocation_evidence_is_returned_with_the_result(pki, verifier, unsigned):
    signed = sign_envelope(unsigned, pki.pkcs12_key("unit"))
    checked = verifier.verify_envelope(signed, require_provider=False).signatures[UNIT_SLOT]
    evidence = checked.certificate.evidence
    assert evidence[0]["source"] == "ocsp" and evidence[0]["status"] == "good"
    assert checked.certificate.revocation[0].evidence  # the DER OCSP response, to be stored


def test_individual_declaration_signed_with_a_cccd_certificate(pki, verifier):
    data = codec.to_bytes(samples.individual())
    signed = sign(data, pki.pkcs12_key("person-cccd"), slot="CKy")
    result = verifier.verify_document(signed)
    assert result.signatures["CKy"].certificate.facts.ids.cccd == "001090000001"
    assert result.model == samples.individual()


def test_oversize_signed_document_is_refused_before_anything_else(pki, chains, unsigned):
    from openivan.core.verification import Verifier

    signed = sign_envelope(unsigned, pki.pkcs12_key("unit"))
    with pytest.raises(OpenIvanError) as info:
        Verifier(chains, None, max_bytes=1024).verify_envelope(signed, require_provider=False)
    assert info.value.code == "XML_TOO_LARGE"
