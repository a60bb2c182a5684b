"""Signing and strict verification, proven against the independent xmlsec1 command."""

import base64
import copy
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from openivan.core.dossier import countersign, sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.core.pki import ChainValidator
from openivan.core.verification import Verifier
from openivan.core.xml import codec
from openivan.core.xml.envelope import PROVIDER_SLOT, UNIT_SLOT
from openivan.core.xml.safe import parse_untrusted
from openivan.core.xmlsig import VerifyPolicy, sign, verify
from openivan.devpki import samples

DS = "http://www.w3.org/2000/09/xmldsig#"


def ds(tag):
    return f"{{{DS}}}{tag}"


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return codec.to_bytes(samples.envelope_for(samples.registration()))


@pytest.fixture(scope="module")
def unit_signed(pki, unsigned) -> bytes:
    """Signed as a unit's software does: the attached declaration in its Cky, then CKy_Dvi."""
    return sign_envelope(unsigned, pki.pkcs12_key("unit"))


def check(data: bytes, **kw):
    return verify(parse_untrusted(data), slot=UNIT_SLOT, later_slots=(PROVIDER_SLOT,), **kw)


def refused(data: bytes, **kw) -> OpenIvanError:
    with pytest.raises(OpenIvanError) as info:
        check(data, **kw)
    return info.value


def xmlsec1(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["xmlsec1", *args], capture_output=True, text=True)


def test_signed_envelope_verifies_and_yields_signer_time_and_content(pki, unit_signed):
    result = check(unit_signed)
    assert result.certificate == pki.certificate("unit")
    assert result.signing_time is not None
    assert abs((datetime.now(UTC) - result.signing_time).total_seconds()) < 120
    assert result.signed_tree.getroot().find(f".//{ds('Signature')}") is None
    assert result.signed_tree.getroot().findtext(".//MaSoThue") == samples.UNIT_TAX_CODE


def test_signature_lands_in_its_slot_with_the_agreed_profile(unit_signed):
    root = etree.fromstring(unit_signed)
    signature = root.find(f"{codec.q(UNIT_SLOT)}/{ds('Signature')}")
    algorithms = [e.get("Algorithm") for e in signature.iter() if e.get("Algorithm")]
    assert "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" in algorithms
    assert "http://www.w3.org/TR/2001/REC-xml-c14n-20010315" in algorithms
    assert "http://www.w3.org/2000/09/xmldsig#enveloped-signature" in algorithms
    assert signature.find(f"{ds('SignedInfo')}/{ds('Reference')}").get("URI") == ""
    assert signature.find(f".//{ds('X509Certificate')}") is not None


def test_what_we_sign_verifies_with_xmlsec1(pki, unit_signed, tmp_path):
    doc, key = tmp_path / "signed.xml", tmp_path / "pub.pem"
    doc.write_bytes(unit_signed)
    key.write_bytes(pki.certificate("unit").public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    result = xmlsec1("--verify", "--pubkey-pem", str(key), "--id-attr:Id", "SignatureProperties",
                     str(doc))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout + result.stderr


def _xmlsec1_signed(pki, unsigned: bytes, tmp_path: Path, *, sha1: bool = False) -> bytes:
    """Sign with the xmlsec1 command, in the default-namespace form it (and .NET) write."""
    sig_alg = "xmldsig#rsa-sha1" if sha1 else "xmldsig-more#rsa-sha256"
    sig_ns = "2000/09" if sha1 else "2001/04"
    digest = ("http://www.w3.org/2000/09/xmldsig#sha1" if sha1
              else "http://www.w3.org/2001/04/xmlenc#sha256")
    key_info = "<X509Data><X509Certificate/></X509Data>"
    template = f"""<Signature xmlns="{DS}"><SignedInfo>
<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
<SignatureMethod Algorithm="http://www.w3.org/{sig_ns}/{sig_alg}"/>
<Reference URI=""><Transforms>
<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>
<DigestMethod Algorithm="{digest}"/><DigestValue/></Reference>
</SignedInfo><SignatureValue/><KeyInfo>{key_info}</KeyInfo></Signature>"""
    root = etree.fromstring(unsigned)
    root.find(codec.q(UNIT_SLOT)).append(etree.fromstring(template))
    tmpl, out = tmp_path / "tmpl.xml", tmp_path / "out.xml"
    tmpl.write_bytes(etree.tostring(root))
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    key.write_bytes(pki.private_key_pem("unit"))
    cert.write_bytes(pki.certificate("unit").public_bytes(serialization.Encoding.PEM))
    result = xmlsec1("--sign", "--privkey-pem", f"{key},{cert}", "--output", str(out), str(tmpl))
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def test_what_xmlsec1_signs_verifies_with_us(pki, unsigned, tmp_path):
    data = _xmlsec1_signed(pki, unsigned, tmp_path)
    assert b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">' in data
    result = check(data)
    assert result.certificate == pki.certificate("unit")
    assert result.signing_time is None  # xmlsec1 writes no SigningTime


def _add_vendor_key_info(data: bytes, pki) -> bytes:
    """KeyValue/RSAKeyValue and X509SubjectName beside X509Certificate, as vendors write."""
    root = etree.fromstring(data)
    key_info = root.find(f".//{ds('KeyInfo')}")
    numbers = pki.certificate("unit").public_key().public_numbers()
    as_b64 = lambda n: base64.b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).decode()  # noqa: E731
    key_value = etree.fromstring(
        f'<KeyValue xmlns="{DS}"><RSAKeyValue><Modulus>{as_b64(numbers.n)}</Modulus>'
        f"<Exponent>{as_b64(numbers.e)}</Exponent></RSAKeyValue></KeyValue>")
    key_info.insert(0, key_value)
    subject = etree.Element(ds("X509SubjectName"))
    subject.text = pki.certificate("unit").subject.rfc4514_string()
    key_info.find(ds("X509Data")).insert(0, subject)
    return etree.tostring(root)


def _add_vendor_object(data: bytes, *, form: str) -> bytes:
    root = etree.fromstring(data)
    signature = root.find(f".//{ds('Signature')}")
    if form == "no-namespace":  # what .NET-based vendor signers append after KeyInfo
        extra = etree.fromstring(
            '<Object Id="SigningTime" xmlns=""><SignatureProperty Target="#sig">'
            '<SigningTime xmlns="http://example.org/#signatureProperties">2026-09-26T16:33:38Z'
            '</SigningTime></SignatureProperty></Object>')
    else:  # a ds:Object whose SignatureProperties drops back to no namespace
        extra = etree.fromstring(
            f'<Object xmlns="{DS}" Id="SigningTime"><SignatureProperties xmlns="">'
            '<SignatureProperty Target="#sig"><SigningTime>2026-09-26T16:33:38Z</SigningTime>'
            '</SignatureProperty></SignatureProperties></Object>')
    signature.append(extra)
    return etree.tostring(root)


@pytest.mark.parametrize("form", ["no-namespace", "ds-object"])
def test_vendor_signatures_with_unreferenced_signing_time_verify_but_time_is_not_trusted(
        pki, unsigned, tmp_path, form):
    data = _add_vendor_object(_add_vendor_key_info(_xmlsec1_signed(pki, unsigned, tmp_path), pki),
                              form=form)
    assert b"<X509SubjectName>" in data and b"<RSAKeyValue>" in data
    result = check(data)
    assert result.certificate == pki.certificate("unit")
    assert result.signing_time is None
    assert result.claimed_signing_time == datetime(2026, 9, 26, 16, 33, 38, tzinfo=UTC)


def test_libxmlsec1_alone_refuses_the_no_namespace_object(pki, unsigned, tmp_path):
    # Why we drop unreferenced foreign children before verifying: the library refuses them.
    data = _add_vendor_object(_xmlsec1_signed(pki, unsigned, tmp_path), form="no-namespace")
    doc, key = tmp_path / "vendor.xml", tmp_path / "pub.pem"
    doc.write_bytes(data)
    key.write_bytes(pki.certificate("unit").public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    assert xmlsec1("--verify", "--pubkey-pem", str(key), str(doc)).returncode != 0


def test_unsigned_document_is_refused(unsigned):
    assert refused(unsigned).code == "SIG_MISSING"


def test_one_changed_byte_after_signing_is_refused(unit_signed):
    name = "Nguyễn Văn An".encode()
    tampered = unit_signed.replace(name, "Nguyễn Văn Ba".encode(), 1)
    assert tampered != unit_signed
    assert refused(tampered).code == "SIG_INVALID"


def test_changed_signing_time_is_refused(unit_signed):
    root = etree.fromstring(unit_signed)
    time_element = next(e for e in root.iter() if etree.QName(e).localname == "SigningTime")
    time_element.text = "2025-06-01T00:00:00Z"
    assert refused(etree.tostring(root)).code == "SIG_INVALID"


def test_second_signature_anywhere_is_refused(unit_signed):
    root = etree.fromstring(unit_signed)
    signature = root.find(f".//{ds('Signature')}")
    root.find(codec.q("NoiDung")).append(copy.deepcopy(signature))
    assert refused(etree.tostring(root)).code == "SIG_UNEXPECTED"


def test_signature_moved_out_of_its_slot_is_refused(unit_signed):
    root = etree.fromstring(unit_signed)
    signature = root.find(f".//{ds('Signature')}")
    root.find(codec.q("NoiDung")).append(signature)
    assert refused(etree.tostring(root)).code == "SIG_UNEXPECTED"


def test_signed_content_wrapped_into_another_envelope_is_refused(unit_signed, unsigned):
    # Classic wrapping: keep the genuine signed document inside a forged one, move the
    # signature to the forged one's slot so a naive verifier finds valid signed content.
    genuine = etree.fromstring(unit_signed)
    forged = etree.fromstring(unsigned.replace(b"<KyKeKhai>11/2026<", b"<KyKeKhai>12/2026<"))
    signature = genuine.find(f".//{ds('Signature')}")
    forged.find(codec.q(UNIT_SLOT)).append(signature)
    hidden = forged.find(f".//{codec.q('ThongTinHoSo')}")
    hidden.append(genuine.find(codec.q("NoiDung")))
    assert refused(etree.tostring(forged)).code == "SIG_INVALID"


def test_reference_to_a_part_of_the_document_is_refused(pki, unsigned):
    root = etree.fromstring(sign(unsigned, pki.pkcs12_key("unit"), slot=UNIT_SLOT))
    reference = root.find(f".//{ds('Reference')}")
    reference.set("URI", "#content")
    root.find(codec.q("NoiDung")).set("Id", "content")
    assert refused(etree.tostring(root)).code == "SIG_REFERENCE_INVALID"


def test_sha1_signature_is_refused_by_default_and_accepted_when_allowed(pki, unsigned, tmp_path):
    data = _xmlsec1_signed(pki, unsigned, tmp_path, sha1=True)
    error = refused(data)
    assert error.code == "SIG_ALGORITHM_FORBIDDEN" and "sha1" in error.details["algorithm"]
    assert check(data, policy=VerifyPolicy(allow_sha1=True)).certificate == pki.certificate("unit")


def test_countersigned_envelope_verifies_both_signatures(pki, verifier, unit_signed):
    both = countersign(unit_signed, pki.pkcs12_key("provider"))
    assert [e.tag for e in etree.fromstring(both)] == ["NoiDung", UNIT_SLOT, PROVIDER_SLOT]
    result = verifier.verify_document(both)  # the form's slots: CKy_Dvi, then CKy_IVAN
    assert result.signatures[UNIT_SLOT].certificate.facts.tax_code == "0101300842"
    assert result.signatures[PROVIDER_SLOT].certificate.facts.tax_code == "0100109106"
    expected = samples.envelope_for(samples.registration()).content
    assert (result.model.content.ivan, result.model.content.unit) == (expected.ivan, expected.unit)


def test_envelope_without_countersignature_is_refused_when_required(verifier, unit_signed):
    with pytest.raises(OpenIvanError) as info:
        verifier.verify_envelope(unit_signed)
    assert info.value.code == "SIG_MISSING"
    assert verifier.verify_envelope(unit_signed, require_provider=False).signatures


def test_change_after_countersignature_breaks_it(pki, verifier, unit_signed):
    both = countersign(unit_signed, pki.pkcs12_key("provider"))
    tampered = both.replace(b"<TenIVAN>I-VAN M", b"<TenIVAN>X-VAN M", 1)
    with pytest.raises(OpenIvanError, match="SIG_INVALID"):
        verifier.verify_document(tampered)


def test_signing_into_an_occupied_slot_is_refused(pki, unit_signed):
    with pytest.raises(OpenIvanError, match="SIG_SLOT_OCCUPIED"):
        sign(unit_signed, pki.pkcs12_key("unit"), slot=UNIT_SLOT)


def test_signing_time_outside_the_certificate_validity_is_refused(pki, chains: ChainValidator,
                                                                 unsigned):
    backdated = sign(unsigned, pki.pkcs12_key("unit"), slot=UNIT_SLOT,
                     signing_time=datetime(2024, 6, 1, tzinfo=UTC))  # before 2025-01-01
    verifier = Verifier(chains, None)
    with pytest.raises(OpenIvanError) as info:
        verifier.verify_document(backdated)
    assert info.value.code == "SIG_TIME_OUTSIDE_VALIDITY"


def test_signing_time_in_the_future_is_refused(pki, chains, unsigned):
    future = sign(unsigned, pki.pkcs12_key("unit"), slot=UNIT_SLOT,
                  signing_time=datetime(2029, 6, 1, tzinfo=UTC))
    with pytest.raises(OpenIvanError, match="SIG_TIME_IN_FUTURE"):
        Verifier(chains, None).verify_document(future)


def test_business_data_comes_from_the_signed_tree_not_from_the_signature(pki, verifier, unsigned):
    # Content smuggled inside the Signature (an unreferenced foreign element) is never read.
    data = sign(unsigned, pki.pkcs12_key("unit"), slot=UNIT_SLOT)
    root = etree.fromstring(data)
    smuggled = etree.SubElement(root.find(f".//{ds('Signature')}"), codec.q("MaSoThue"))
    smuggled.text = "0100047516"
    result = verifier.verify_document(etree.tostring(root))
    assert result.model.content.unit.tax_code == samples.UNIT_TAX_CODE


def test_certificate_in_key_info_must_be_readable(unit_signed):
    root = etree.fromstring(unit_signed)
    root.find(f".//{ds('X509Certificate')}").text = base64.b64encode(b"not a certificate").decode()
    assert refused(etree.tostring(root)).code == "CERT_MALFORMED"


def test_signature_dated_back_into_an_expired_certificate_is_refused_past_the_age_bound(
        pki, chains, unsigned):
    # The key of a certificate that has expired can still sign, and claim any SigningTime.
    expiry = pki.certificate("unit").not_valid_after_utc
    dated_back = sign(unsigned, pki.pkcs12_key("unit"), slot=UNIT_SLOT,
                      signing_time=expiry - timedelta(hours=1))

    def verifier(now: datetime, max_age: timedelta | None) -> Verifier:
        return Verifier(chains, None, clock=lambda: now, max_signature_age=max_age)

    bound = timedelta(hours=72)
    verifier(expiry + timedelta(days=1), bound).verify_document(dated_back)
    with pytest.raises(OpenIvanError) as info:
        verifier(expiry + timedelta(days=5), bound).verify_document(dated_back)
    assert info.value.code == "SIG_TOO_OLD"
    assert info.value.details["hours"] == 72
    # Unbounded (an archive checking an old document), the covered SigningTime decides.
    verifier(expiry + timedelta(days=5), None).verify_document(dated_back)
