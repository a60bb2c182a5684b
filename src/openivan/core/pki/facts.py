"""What a certificate says, in the terms of this domain (MST, CMND, CCCD in the subject UID)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from openivan.core.errors import OpenIvanError

UID_OID = NameOID.USER_ID  # 0.9.2342.19200300.100.1.1
_UID_RE = re.compile(r"^\s*(MST|CMND|CCCD|HC)\s*:\s*([0-9A-Z]+(?:-\d{3})?)\s*$", re.IGNORECASE)
_KEY_USAGES = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
               "key_agreement", "key_cert_sign", "crl_sign")


@dataclass(frozen=True)
class SubjectIds:
    """Identifiers from the subject's UID attributes (`MST:0101300842`, `CCCD:…`)."""

    tax_code: str | None = None  # MST, possibly with a -NNN branch suffix
    cmnd: str | None = None
    cccd: str | None = None
    passport: str | None = None


def parse_uid(values: list[str]) -> SubjectIds:
    found: dict[str, str] = {}
    for value in values:
        match = _UID_RE.match(value)
        if match:
            found.setdefault(match.group(1).upper(), match.group(2).upper())
    return SubjectIds(found.get("MST"), found.get("CMND"), found.get("CCCD"), found.get("HC"))


@dataclass(frozen=True)
class CertificateFacts:
    serial: str  # hex, upper case, as vendors print it
    subject: str
    common_name: str
    issuer: str
    not_before: datetime
    not_after: datetime
    key_usage: tuple[str, ...]
    ids: SubjectIds
    thumbprint_sha256: str
    thumbprint_sha1: str  # what Windows and vendors' screens show
    ocsp_urls: tuple[str, ...]
    crl_urls: tuple[str, ...]
    is_ca: bool

    @property
    def tax_code(self) -> str | None:
        return self.ids.tax_code

    @property
    def can_sign(self) -> bool:
        return "digital_signature" in self.key_usage or "non_repudiation" in self.key_usage

    def as_dict(self) -> dict[str, object]:
        return {
            "serial": self.serial, "subject": self.subject, "common_name": self.common_name,
            "issuer": self.issuer, "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(), "key_usage": list(self.key_usage),
            "tax_code": self.ids.tax_code, "cmnd": self.ids.cmnd, "cccd": self.ids.cccd,
            "thumbprint_sha256": self.thumbprint_sha256, "thumbprint_sha1": self.thumbprint_sha1,
            "ocsp_urls": list(self.ocsp_urls), "crl_urls": list(self.crl_urls),
            "is_ca": self.is_ca,
        }


def load_certificate(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise OpenIvanError("CERT_MALFORMED") from exc


@lru_cache(maxsize=4096)
def facts(cert: x509.Certificate) -> CertificateFacts:
    """What `cert` says. Cached: every verification asks it several times of few certificates."""
    der = cert.public_bytes(serialization.Encoding.DER)
    uids = [str(a.value) for a in cert.subject.get_attributes_for_oid(UID_OID)]
    cns = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return CertificateFacts(
        serial=format(cert.serial_number, "X"),
        subject=cert.subject.rfc4514_string(),
        common_name=cns[0] if cns else "",
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_usage=_key_usage(cert),
        ids=parse_uid(uids),
        thumbprint_sha256=_hex(der, hashes.SHA256()),
        thumbprint_sha1=_hex(der, hashes.SHA1()),
        ocsp_urls=_ocsp_urls(cert),
        crl_urls=_crl_urls(cert),
        is_ca=_is_ca(cert),
    )


def _hex(data: bytes, algorithm: hashes.HashAlgorithm) -> str:
    digest = hashes.Hash(algorithm)
    digest.update(data)
    return digest.finalize().hex().upper()


def _key_usage(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return ()
    names = []
    for name in _KEY_USAGES:
        if getattr(usage, name):
            names.append("non_repudiation" if name == "content_commitment" else name)
    return tuple(names)


def _ocsp_urls(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    except x509.ExtensionNotFound:
        return ()
    return tuple(
        str(d.access_location.value) for d in aia.value
        if d.access_method == AuthorityInformationAccessOID.OCSP
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    )


def _crl_urls(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(
        str(name.value) for point in points for name in (point.full_name or ())
        if isinstance(name, x509.UniformResourceIdentifier)
    )


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False
