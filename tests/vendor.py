"""Documents in the shape vendors' .NET software writes (XmlSerializer + SignedXml), signed by
the independent `xmlsec1` command: no namespace, `xsi`/`xsd` declared and unused, indented,
a UTF-8 byte-order mark, and every signature in the .NET form —
`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="…">`, C14N 1.0, RSA-SHA256,
KeyValue/RSAKeyValue, X509SubjectName and X509Certificate, then an `<Object xmlns="">`
holding a SigningTime that no Reference covers."""

from __future__ import annotations

import base64
import secrets
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from lxml import etree

from openivan.core.xml import codec
from openivan.core.xml.envelope import xml_file
from openivan.devpki import DevPKI, samples

DS = "http://www.w3.org/2000/09/xmldsig#"
BOM = b"\xef\xbb\xbf"


def _b64(n: int) -> str:
    return base64.b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).decode()


def dotnet_sign(data: bytes, pki: DevPKI, label: str, slot: str, *,
                unreferenced_object: bool = True) -> bytes:
    """Sign `data` into its root's child `slot` the way SignedXml does, with xmlsec1."""
    root = etree.fromstring(data.removeprefix(BOM))
    signature_id = "sigid" + secrets.token_hex(4)
    root.find(slot).append(etree.fromstring(f"""<Signature xmlns="{DS}" Id="{signature_id}">
<SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<Reference URI=""><Transforms>
<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>
<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>
</SignedInfo><SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo>
</Signature>"""))
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "in.xml").write_bytes(etree.tostring(root, xml_declaration=True,
                                                     encoding="utf-8"))
        (base / "key.pem").write_bytes(pki.private_key_pem(label))
        (base / "cert.pem").write_bytes(
            pki.certificate(label).public_bytes(serialization.Encoding.PEM))
        done = subprocess.run(
            ["xmlsec1", "--sign", "--privkey-pem", f"{base / 'key.pem'},{base / 'cert.pem'}",
             "--output", str(base / "out.xml"), str(base / "in.xml")],
            capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        signed = etree.fromstring((base / "out.xml").read_bytes())
    signature = signed.find(f"{slot}/{{{DS}}}Signature")
    key_info = signature.find(f"{{{DS}}}KeyInfo")
    numbers = pki.certificate(label).public_key().public_numbers()
    key_info.insert(0, etree.fromstring(
        f'<KeyValue xmlns="{DS}"><RSAKeyValue><Modulus>{_b64(numbers.n)}</Modulus>'
        f"<Exponent>{_b64(numbers.e)}</Exponent></RSAKeyValue></KeyValue>"))
    subject = etree.Element(f"{{{DS}}}X509SubjectName")
    subject.text = pki.certificate(label).subject.rfc4514_string()
    key_info.find(f"{{{DS}}}X509Data").insert(0, subject)
    if unreferenced_object:
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        signature.append(etree.fromstring(
            f'<Object Id="SigningTime{signature_id}" xmlns=""><SignatureProperty '
            f'Target="#{signature_id}"><SigningTime>{when}</SigningTime></SignatureProperty>'
            "</Object>"))
    return BOM + etree.tostring(signed, xml_declaration=True, encoding="utf-8")


def indented(data: bytes) -> bytes:
    """As XmlSerializer writes it: indented, with its own XML declaration."""
    root = etree.fromstring(data.removeprefix(BOM))
    etree.indent(root, space="  ")
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def envelope(pki: DevPKI, *, unit: str = "unit", declaration: codec.XmlModel | None = None,
             declaration_signer: str | None = None, pdf: bool = True,
             tax_code: str = samples.UNIT_TAX_CODE) -> bytes:
    """A vendor's dossier: the declaration signed in its Cky, attached with a PDF scan, the
    envelope signed in CKy_Dvi; no CKy_IVAN, no transaction id."""
    declaration = declaration or samples.registration()
    signed_declaration = dotnet_sign(indented(codec.to_bytes(declaration)), pki,
                                     declaration_signer or unit, "Cky")
    model = samples.envelope_for(declaration, tax_code=tax_code,
                                 others=[samples.scan()] if pdf else None)
    first = model.content.dossier.files[0]
    model.content.dossier.files[0] = xml_file(signed_declaration, form_code=first.form_code,
                                              description=first.description or "")
    return dotnet_sign(indented(codec.to_bytes(model)), pki, unit, "CKy_Dvi")


def xmlsec1_verifies(pki: DevPKI, data: bytes, tmp_path: Path, label: str = "unit") -> bool:
    """Whether the independent `xmlsec1` command verifies `data` with the public key of the
    test PKI's certificate `label`."""
    doc, key = tmp_path / "doc.xml", tmp_path / "pub.pem"
    doc.write_bytes(data)
    key.write_bytes(pki.certificate(label).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    result = subprocess.run(["xmlsec1", "--verify", "--pubkey-pem", str(key),
                             "--id-attr:Id", "SignatureProperties", str(doc)],
                            capture_output=True, text=True)
    return result.returncode == 0


