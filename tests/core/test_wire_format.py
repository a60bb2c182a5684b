"""The real wire format: what vendors' software sends verifies, and what we write is what they
write — proven with the independent `xmlsec1` command and a plain lxml parser."""

import base64
import subprocess
import sys

import pytest
from lxml import etree

from openivan.core.dossier import BOM, countersign, sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.core.xml import codec
from openivan.core.xml.envelope import UNIT_SLOT, other_file, xml_file
from openivan.core.xml.forms import DECLARATION_SLOT
from openivan.core.xmlsig import sign
from openivan.devpki import samples
from tests import vendor


def attached(data: bytes, index: int = 0) -> bytes:
    root = etree.fromstring(data.removeprefix(BOM))
    files = root.findall("NoiDung/ThongTinHoSo/ToKhais/FileToKhai")
    return base64.b64decode(files[index].findtext("NoiDungFile"))


@pytest.fixture(scope="module")
def ours(pki) -> bytes:
    unsigned = codec.to_bytes(samples.envelope_for(samples.registration(),
                                                   others=[samples.scan()]))
    return sign_envelope(unsigned, pki.pkcs12_key("unit"))


def test_xmlsec1_verifies_the_envelope_and_the_declaration_we_sign(pki, ours, tmp_path):
    assert vendor.xmlsec1_verifies(pki, ours, tmp_path)
    declaration = attached(ours)
    assert etree.fromstring(declaration)[-1].tag == DECLARATION_SLOT
    assert vendor.xmlsec1_verifies(pki, declaration, tmp_path)
    tampered = declaration.replace(b"<DiaDanh>H", b"<DiaDanh>X")
    assert not vendor.xmlsec1_verifies(pki, tampered, tmp_path)


def test_what_we_sign_reads_with_a_plain_parser_in_no_namespace(ours):
    root = etree.fromstring(ours)
    assert root.tag == "Hoso" and [e.tag for e in root] == ["NoiDung", UNIT_SLOT]
    names = {etree.QName(e).localname for e in root.iter() if etree.QName(e).namespace is None}
    assert {"ThongTinIVAN", "ThongTinDonVi", "ThongTinHoSo", "FileToKhai", "NoiDungFile"} <= names
    declaration = etree.fromstring(attached(ours))
    assert declaration.tag == "DangKyIVAN" and etree.QName(declaration).namespace is None
    assert declaration.find("Cky")[0].tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    assert attached(ours, 1) == samples.SCAN_PDF


def test_a_vendors_dossier_verifies_envelope_and_declaration(pki, verifier):
    data = vendor.envelope(pki)
    assert data.startswith(BOM)
    assert b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"' in data
    assert b'<Object xmlns="" Id="SigningTime' in data
    assert b"<CKy_IVAN" not in data and b"MaGiaoDich" not in data
    result = verifier.verify_envelope(data, require_provider=False)
    assert result.signatures[UNIT_SLOT].certificate.facts.tax_code == samples.UNIT_TAX_CODE
    assert result.signatures[UNIT_SLOT].signature.signing_time is None  # not covered: unused
    kinds = [(a.kind, a.root) for a in result.attachments]
    assert kinds == [("form", "DangKyIVAN"), ("opaque", "")]
    assert result.attachments[0].model == samples.registration()
    assert result.attachments[0].signature.certificate.facts.tax_code == samples.UNIT_TAX_CODE
    assert result.attachments[1].file.content == samples.SCAN_PDF


def test_xmlsec1_alone_refuses_the_vendors_unreferenced_object(pki, tmp_path):
    # That variant is checked by our verifier only (above), which drops what nothing signs.
    data = vendor.dotnet_sign(codec.to_bytes(samples.registration()), pki, "unit", "Cky")
    assert not vendor.xmlsec1_verifies(pki, data.removeprefix(BOM), tmp_path)
    plain = vendor.dotnet_sign(codec.to_bytes(samples.registration()), pki, "unit", "Cky",
                               unreferenced_object=False)
    assert vendor.xmlsec1_verifies(pki, plain.removeprefix(BOM), tmp_path)


def test_a_countersignature_sits_after_the_units_and_both_verify(pki, verifier, ours):
    both = countersign(ours, pki.pkcs12_key("provider"))
    assert [e.tag for e in etree.fromstring(both)] == ["NoiDung", "CKy_Dvi", "CKy_IVAN"]
    result = verifier.verify_envelope(both)
    assert set(result.signatures) == {"CKy_Dvi", "CKy_IVAN"}
    with pytest.raises(OpenIvanError) as info:
        verifier.verify_envelope(ours)  # required, and absent
    assert info.value.code == "SIG_MISSING"


# ---------------------------------------------------------------- bad attachments


def wrapped(pki, payload: bytes, *, form_code: str = "04/ĐK-IVAN", file_type: str = ".xml",
            unit: str = "unit") -> bytes:
    """An envelope carrying `payload` as its one file, the envelope signed by `unit` (only)."""
    model = samples.envelope_for(samples.registration())
    model.content.dossier.files[0] = xml_file(payload, form_code=form_code, description="x")
    model.content.dossier.files[0].file_type = file_type
    return sign(codec.to_bytes(model), pki.pkcs12_key(unit), slot=UNIT_SLOT)


def refused(verifier, data: bytes) -> OpenIvanError:
    with pytest.raises(OpenIvanError) as info:
        verifier.verify_envelope(data, require_provider=False)
    return info.value


def signed_declaration(pki, label: str = "unit") -> bytes:
    return sign(codec.to_bytes(samples.registration()), pki.pkcs12_key(label),
                slot=DECLARATION_SLOT)


def test_an_unsigned_declaration_in_a_signed_envelope_is_refused(pki, verifier):
    error = refused(verifier, wrapped(pki, codec.to_bytes(samples.registration())))
    assert error.code == "ATTACHMENT_SIG_MISSING"
    assert error.details["path"].endswith("FileToKhai[1]")
    without_slot = codec.to_bytes(samples.registration()).replace(b"<Cky/>", b"")
    assert refused(verifier, wrapped(pki, without_slot)).code == "ATTACHMENT_SIG_MISSING"


def test_a_declaration_changed_after_its_signature_is_refused(pki, verifier):
    tampered = signed_declaration(pki).replace(b"<DiaDanh>H", b"<DiaDanh>X")
    error = refused(verifier, wrapped(pki, tampered))
    assert error.code == "SIG_INVALID" and error.details["attachment"] == "04_ĐK-IVAN.xml"


def test_a_declaration_signed_by_an_untrusted_certificate_is_refused(pki, verifier):
    error = refused(verifier, wrapped(pki, signed_declaration(pki, "unit-untrusted")))
    assert error.code == "CERT_UNTRUSTED"


def test_a_declaration_of_no_known_form_is_refused(pki, verifier):
    signed = sign(b"<BangKe><A>1</A><Cky/></BangKe>", pki.pkcs12_key("unit"),
                  slot=DECLARATION_SLOT)
    error = refused(verifier, wrapped(pki, signed, form_code="xml"))
    assert error.code == "ATTACHMENT_FORM_UNKNOWN" and error.details["found"] == "BangKe"
    # Declared as a file of another kind, the same bytes are an opaque attachment.
    result = verifier.verify_envelope(wrapped(pki, signed, file_type=".txt"),
                                      require_provider=False)
    assert result.attachments[0].kind == "opaque"


def test_another_bhxh_declaration_is_verified_in_its_cky(pki, verifier):
    d02 = sign(b"<D02-TS><KyKeKhai>11/2026</KyKeKhai><Cky/></D02-TS>", pki.pkcs12_key("unit"),
               slot=DECLARATION_SLOT)
    result = verifier.verify_envelope(wrapped(pki, d02, form_code="D02-TS"),
                                      require_provider=False)
    assert [(a.kind, a.root) for a in result.attachments] == [("foreign", "D02-TS")]
    tampered = d02.replace(b"11/2026", b"12/2026")
    assert refused(verifier, wrapped(pki, tampered, form_code="D02-TS")).code == "SIG_INVALID"


def test_an_attachment_over_the_limit_is_refused(pki, chains):
    from openivan.core.verification import Verifier

    scan = other_file(samples.SCAN_PDF + b" " * 100_000, file_name="scan.pdf",
                      form_code="pdf", description="Bản chụp")
    data = sign_envelope(codec.to_bytes(samples.envelope_for(
        samples.registration(), others=[scan])), pki.pkcs12_key("unit"))
    error = refused(Verifier(chains, None, max_attachment_bytes=50_000), data)
    assert error.code == "ATTACHMENT_TOO_LARGE" and error.details["file"] == "scan.pdf"
    assert error.details["size"] == scan.length
    assert Verifier(chains, None, max_attachment_bytes=200_000).verify_envelope(
        data, require_provider=False).attachments[1].file == scan


def test_two_unit_signature_slots_are_refused(pki, verifier, ours):
    root = etree.fromstring(ours)
    root.append(etree.fromstring(etree.tostring(root.find(UNIT_SLOT))))
    error = refused(verifier, etree.tostring(root))
    assert error.code == "XML_SCHEMA" and "CKy_Dvi" in error.details["summary"]


# ---------------------------------------------------------------- the command line


def test_cli_verify_of_a_vendors_file_by_an_untrusted_ca_says_cert_untrusted(pki, trust_dir,
                                                                              tmp_path):
    path = tmp_path / "hoso.xml"
    path.write_bytes(vendor.envelope(pki, unit="unit-untrusted"))
    result = subprocess.run([sys.executable, "-m", "openivan.cli", "xml", "verify", str(path),
                             "--trust-store", str(trust_dir)], capture_output=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.decode().startswith("CERT_UNTRUSTED:"), result.stderr
    path.write_bytes(vendor.envelope(pki))
    result = subprocess.run([sys.executable, "-m", "openivan.cli", "xml", "verify", str(path),
                             "--trust-store", str(trust_dir)], capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "CKy_Dvi" in out and "FileToKhai[1]/Cky" in out and ".pdf" in out
