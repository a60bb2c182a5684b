"""Enveloped XMLDSig as BHXH's I-VAN samples use it.

Profile: `Reference URI=""` + enveloped-signature transform, C14N 1.0, RSA-SHA256, SHA-256,
the signer's certificate in KeyInfo, and a SigningTime property in a ds:Object that a second
Reference covers (so the time is signed, unlike some vendors' unreferenced ones).

Signing is done here with lxml rather than by signxml so the signature lands in its slot and the
key can be anything with `sign(data, padding, algorithm)` (PKCS#12, PKCS#11 token, CSC service).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import secrets
from datetime import UTC, datetime
from typing import Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.xmlsig.slots import find_slot, slot_or_none

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N_10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNATURE_PROPERTIES_TYPE = "http://www.w3.org/2000/09/xmldsig#SignatureProperties"
# The namespace Vietnamese vendors' signers put SigningTime in; we write the same for their
# verifiers, and read it from any namespace.
SIGNING_TIME_NS = "http://example.org/#signatureProperties"


class SigningKey(Protocol):
    """What `sign` needs of a key: signxml's key interface plus the certificate (chain)."""

    @property
    def certificate(self) -> x509.Certificate: ...

    def sign(self, data: bytes, padding: padding.AsymmetricPadding,
             algorithm: hashes.HashAlgorithm) -> bytes: ...


def _ds(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def c14n(node: etree._Element | etree._ElementTree) -> bytes:
    """Inclusive C14N 1.0 without comments, of a whole document or of one element.

    An element is canonicalised from a detached clone that declares every namespace in scope:
    lxml's C14N of an element in place can emit a wrong `xmlns=""` below an ancestor's default
    namespace, and a plain deep copy drops inherited namespaces it does not use — inclusive C14N
    must render them (tech-notes; checked against xmlsec1 in the tests).
    """
    if isinstance(node, etree._Element) and node.getparent() is not None:
        clone = etree.Element(node.tag, attrib=dict(node.attrib), nsmap=node.nsmap)
        clone.text = node.text
        for child in node:
            clone.append(copy.deepcopy(child))
        node = clone
    return bytes(etree.tostring(node, method="c14n", exclusive=False, with_comments=False))


def sign(
    document: etree._ElementTree | bytes,
    key: SigningKey,
    *,
    slot: str,
    signing_time: datetime | None = None,
    chain: list[x509.Certificate] | None = None,
    add_slot: bool = False,
) -> bytes:
    """Sign `document` into the empty element `slot` (a child of the root); return the bytes.

    With `add_slot`, a missing slot is added as the root's last child first (a countersignature
    the first signer's document had no place for: verifying the first signature removes it).
    The returned bytes are what must be stored and sent: never re-serialise them.
    """
    if isinstance(document, bytes):
        from openivan.core.xml.safe import parse_untrusted

        document = parse_untrusted(document)
    else:
        document = copy.deepcopy(document)
    root = document.getroot()
    if add_slot and slot_or_none(root, slot) is None:
        namespace = root.tag.rpartition("}")[0]
        etree.SubElement(root, f"{namespace}}}{slot}" if namespace else slot)
    slot_element = find_slot(root, slot)
    if len(slot_element) or (slot_element.text or "").strip():
        raise OpenIvanError("SIG_SLOT_OCCUPIED", slot=slot)
    slot_element.text = None

    # With the enveloped transform, the first reference covers the document minus this
    # Signature: exactly the document as it is now, before the Signature goes in.
    document_digest = hashlib.sha256(c14n(document)).digest()

    signature_id = "sig-" + secrets.token_hex(8)
    signature = etree.SubElement(slot_element, _ds("Signature"), Id=signature_id,
                                 nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N_10)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=RSA_SHA256)
    _reference(signed_info, "", document_digest, transforms=(ENVELOPED, C14N_10))
    signature_value = etree.SubElement(signature, _ds("SignatureValue"))
    _key_info(signature, key.certificate, chain or [])

    properties_id = signature_id + "-props"
    obj = etree.SubElement(signature, _ds("Object"))
    properties = etree.SubElement(obj, _ds("SignatureProperties"), Id=properties_id)
    prop = etree.SubElement(properties, _ds("SignatureProperty"), Target="#" + signature_id)
    when = (signing_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    time_element = etree.SubElement(prop, f"{{{SIGNING_TIME_NS}}}SigningTime",
                                    nsmap={None: SIGNING_TIME_NS})
    time_element.text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    _reference(signed_info, "#" + properties_id, hashlib.sha256(c14n(properties)).digest(),
               transforms=(C14N_10,), type_=SIGNATURE_PROPERTIES_TYPE)

    raw = key.sign(c14n(signed_info), padding.PKCS1v15(), hashes.SHA256())
    signature_value.text = base64.b64encode(raw).decode("ascii")
    return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8"))


def _reference(signed_info: etree._Element, uri: str, digest: bytes, *,
               transforms: tuple[str, ...], type_: str | None = None) -> None:
    attrs = {"URI": uri}
    if type_:
        attrs["Type"] = type_
    reference = etree.SubElement(signed_info, _ds("Reference"), **attrs)
    transforms_element = etree.SubElement(reference, _ds("Transforms"))
    for algorithm in transforms:
        etree.SubElement(transforms_element, _ds("Transform"), Algorithm=algorithm)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, _ds("DigestValue")).text = base64.b64encode(digest).decode()


def _key_info(signature: etree._Element, cert: x509.Certificate,
              chain: list[x509.Certificate]) -> None:
    data = etree.SubElement(etree.SubElement(signature, _ds("KeyInfo")), _ds("X509Data"))
    for each in (cert, *chain):
        der = each.public_bytes(serialization.Encoding.DER)
        etree.SubElement(data, _ds("X509Certificate")).text = base64.b64encode(der).decode()
