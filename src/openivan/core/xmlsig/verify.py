"""Verify an enveloped signature the strict way, with python-xmlsec doing the cryptography.

Rules (each refusal has its code):
- exactly one Signature in the expected slot, none anywhere else (except in slots the caller
  names as countersignature slots, which are removed before this one is checked);
- its main Reference is `URI=""` with the enveloped transform: the whole document is covered,
  so content cannot be moved or wrapped;
- other References may only point at a SignatureProperties inside this signature's own Object
  (the SigningTime); a SigningTime no Reference covers is reported but not trusted;
- algorithms from an allow-list (SHA-1 only when the policy says so);
- nothing is read from inside the Signature but the certificate and a covered SigningTime:
  business data is read from `signed_tree`, the document as the signature covers it.
"""

from __future__ import annotations

import base64
import binascii
import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.xmlsig.sign import C14N_10, DS, ENVELOPED
from openivan.core.xmlsig.slots import find_slot, slot_or_none

C14N_ALGORITHMS = frozenset({
    C14N_10,
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2006/12/xml-c14n11",
})
SIGNATURE_ALGORITHMS = frozenset({
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
})
DIGEST_ALGORITHMS = frozenset({
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
})
_BY_ID = etree.XPath(".//*[@Id=$v or @ID=$v or @id=$v]")  # inside the signature only
_SIGNING_TIMES = etree.XPath(".//*[local-name()='SigningTime']")
SHA1_SIGNATURE = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1_DIGEST = "http://www.w3.org/2000/09/xmldsig#sha1"


@dataclass(frozen=True)
class VerifyPolicy:
    allow_sha1: bool = False  # legacy verification only; never for new signatures


@dataclass
class VerifiedSignature:
    certificate: x509.Certificate
    chain: list[x509.Certificate]  # other certificates found in KeyInfo
    signing_time: datetime | None  # only when a Reference covers it
    claimed_signing_time: datetime | None  # what the document says, covered or not
    signed_tree: etree._ElementTree  # the document without its signatures
    algorithms: dict[str, str] = field(default_factory=dict)


def _ds(tag: str) -> str:
    return f"{{{DS}}}{tag}"


def verify(
    document: etree._ElementTree,
    *,
    slot: str,
    earlier_slots: tuple[str, ...] = (),
    later_slots: tuple[str, ...] = (),
    policy: VerifyPolicy = VerifyPolicy(),
    consume: bool = False,
) -> VerifiedSignature:
    """Verify the signature in `slot` of a parsed document.

    `earlier_slots` may hold signatures made before this one (this one covers them, like any
    content); `later_slots` may hold signatures made after it (a countersignature): those slots
    are removed whole before this one is checked, as it was made without them (a later signer
    adds its slot: real envelopes have none for it).
    With `consume`, the document itself is changed into the signed tree instead of a copy
    (for the caller's last check of a tree it parsed for the purpose).
    """
    root = document.getroot()
    signatures = list(root.iter(_ds("Signature")))
    if not signatures:
        raise OpenIvanError("SIG_MISSING")
    slot_element = find_slot(root, slot)
    # Hold the slot elements themselves: lxml proxies are compared by identity while alive.
    allowed = [find_slot(root, s) for s in (slot, *earlier_slots)]
    allowed += [e for e in (slot_or_none(root, s) for s in later_slots) if e is not None]
    for each in signatures:
        parent = each.getparent()
        if parent is None or not any(parent is a for a in allowed):
            raise OpenIvanError("SIG_UNEXPECTED", where=each.getroottree().getpath(each))
    mine = [s for s in signatures if s.getparent() is slot_element]
    if not mine:
        raise OpenIvanError("SIG_MISSING", slot=slot)
    if len(mine) > 1 or len(slot_element) > 1:
        raise OpenIvanError("SIG_UNEXPECTED", slot=slot)

    # Work on a copy: later signatures and unreferenced foreign elements are removed from it.
    work = document if consume else copy.deepcopy(document)
    work_root = work.getroot()
    for later in later_slots:
        later_slot = slot_or_none(work_root, later)
        if later_slot is not None:
            work_root.remove(later_slot)
    signature = find_slot(work_root, slot)[0]

    algorithms = _check_signed_info(signature, policy)
    covered_ids = _check_references(signature)
    claimed, covered = _signing_time(signature, covered_ids)
    _drop_foreign_children(signature)
    certificate, chain = _certificates(signature)
    _cryptographic_check(signature, certificate, covered_ids)

    # The working copy minus this signature is exactly what the signature covers.
    signature.getparent().remove(signature)
    return VerifiedSignature(
        certificate=certificate, chain=chain,
        signing_time=claimed if covered else None, claimed_signing_time=claimed,
        signed_tree=work, algorithms=algorithms,
    )


def _check_signed_info(signature: etree._Element, policy: VerifyPolicy) -> dict[str, str]:
    signed_info = signature.find(_ds("SignedInfo"))
    if signed_info is None:
        raise OpenIvanError("SIG_INVALID", reason="no SignedInfo")
    c14n = signed_info.find(_ds("CanonicalizationMethod"))
    method = signed_info.find(_ds("SignatureMethod"))
    c14n_alg = c14n.get("Algorithm", "") if c14n is not None else ""
    sig_alg = method.get("Algorithm", "") if method is not None else ""
    if c14n_alg not in C14N_ALGORITHMS:
        raise OpenIvanError("SIG_ALGORITHM_FORBIDDEN", algorithm=c14n_alg)
    allowed_sig = SIGNATURE_ALGORITHMS | ({SHA1_SIGNATURE} if policy.allow_sha1 else set())
    if sig_alg not in allowed_sig:
        raise OpenIvanError("SIG_ALGORITHM_FORBIDDEN", algorithm=sig_alg)
    allowed_digest = DIGEST_ALGORITHMS | ({SHA1_DIGEST} if policy.allow_sha1 else set())
    for digest in signed_info.iter(_ds("DigestMethod")):
        if digest.get("Algorithm") not in allowed_digest:
            raise OpenIvanError("SIG_ALGORITHM_FORBIDDEN", algorithm=digest.get("Algorithm"))
    return {"c14n": c14n_alg, "signature": sig_alg}


def _check_references(signature: etree._Element) -> dict[str, etree._Element]:
    """Enforce the reference rules; return the covered Id -> element inside this signature."""
    signed_info = signature.find(_ds("SignedInfo"))
    assert signed_info is not None
    references = signed_info.findall(_ds("Reference"))
    whole = [r for r in references if r.get("URI") == ""]
    if len(whole) != 1:
        raise OpenIvanError("SIG_REFERENCE_INVALID", reason='exactly one Reference URI="" needed')
    transforms = [t.get("Algorithm") for t in whole[0].iter(_ds("Transform"))]
    if not transforms or transforms[0] != ENVELOPED or any(
        t not in C14N_ALGORITHMS for t in transforms[1:]
    ):
        raise OpenIvanError("SIG_REFERENCE_INVALID",
                            reason="the whole-document reference needs the enveloped transform")
    covered: dict[str, etree._Element] = {}
    for reference in references:
        uri = reference.get("URI")
        if reference is whole[0]:
            continue
        if not uri or not uri.startswith("#") or "(" in uri:
            raise OpenIvanError("SIG_REFERENCE_INVALID", reason=f"reference {uri!r} not allowed")
        target_id = uri[1:]
        matches = _BY_ID(signature, v=target_id)
        if len(matches) != 1 or not _is_own_object_content(signature, matches[0]):
            raise OpenIvanError("SIG_REFERENCE_INVALID",
                                reason=f"reference {uri!r} must point inside the signature")
        for t in reference.iter(_ds("Transform")):
            if t.get("Algorithm") not in C14N_ALGORITHMS:
                raise OpenIvanError("SIG_ALGORITHM_FORBIDDEN", algorithm=t.get("Algorithm"))
        covered[target_id] = matches[0]
    return covered


def _is_own_object_content(signature: etree._Element, element: etree._Element) -> bool:
    node: etree._Element | None = element
    while node is not None and node.getparent() is not signature:
        node = node.getparent()
    return node is not None and node.tag == _ds("Object") and node is not element


def _drop_foreign_children(signature: etree._Element) -> None:
    # .NET-based vendors put an <Object xmlns=""> after KeyInfo; libxmlsec1 refuses unknown
    # nodes. It is outside SignedInfo and excluded by the enveloped transform: ignore it.
    for child in list(signature):
        if isinstance(child.tag, str) and etree.QName(child).namespace != DS:
            signature.remove(child)


def _certificates(signature: etree._Element) -> tuple[x509.Certificate, list[x509.Certificate]]:
    certs: list[x509.Certificate] = []
    path = f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}"
    for element in signature.iterfind(path):
        certs.append(_load_certificate("".join((element.text or "").split())))
    if not certs:
        raise OpenIvanError("SIG_CERT_MISSING")
    issuers = {c.issuer for c in certs}
    leaves = [c for c in certs if c.subject not in issuers or c.subject == c.issuer] or certs
    leaf = leaves[0]
    return leaf, [c for c in certs if c is not leaf]


def _cryptographic_check(signature: etree._Element, certificate: x509.Certificate,
                         covered_ids: dict[str, etree._Element]) -> None:
    ctx = xmlsec.SignatureContext()
    ctx.key = _xmlsec_key(certificate)
    for element in covered_ids.values():
        for attribute in ("Id", "ID", "id"):
            if element.get(attribute) is not None:
                ctx.register_id(element, attribute)
    try:
        ctx.verify(signature)
    except xmlsec.Error as exc:
        raise OpenIvanError("SIG_INVALID", reason=str(exc)) from exc


@lru_cache(maxsize=4096)
def _load_certificate(b64: str) -> x509.Certificate:
    # Cached: the same few certificates arrive in document after document.
    try:
        return x509.load_der_x509_certificate(base64.b64decode(b64, validate=True))
    except (ValueError, binascii.Error) as exc:
        raise OpenIvanError("CERT_MALFORMED") from exc


@lru_cache(maxsize=1024)
def _xmlsec_key(certificate: x509.Certificate) -> xmlsec.Key:
    """A bare public key (one carrying its certificate makes xmlsec copy it on every call),
    loaded once per certificate: the context takes a copy when it is assigned."""
    pem = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        return xmlsec.Key.from_memory(pem, xmlsec.constants.KeyDataFormatPem, None)
    except xmlsec.Error as exc:
        raise OpenIvanError("CERT_MALFORMED") from exc


def _signing_time(signature: etree._Element, covered_ids: dict[str, etree._Element],
                  ) -> tuple[datetime | None, bool]:
    for element in _SIGNING_TIMES(signature):
        try:
            when = datetime.fromisoformat((element.text or "").strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        covered = any(e is element or element in e.iter() for e in covered_ids.values())
        return when, covered
    return None, False
