"""The provider's own configuration: who it is at the agency, how it reaches the agency, and
the key it countersigns with (settings `OPENIVAN_PROVIDER_*` and `OPENIVAN_AGENCY_*`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cryptography import x509
from django.conf import settings

from openivan.core.agency_client import AgencyClient
from openivan.core.pki import ChainValidator, RevocationChecker
from openivan.core.signers.pkcs12 import Pkcs12Key
from openivan.core.xml import envelope
from openivan.platform import trust


def provider() -> envelope.IvanInfo:
    """ThongTinIVAN: this provider's MaIVAN and name, as the agency registered it."""
    return envelope.IvanInfo(code=settings.OPENIVAN_PROVIDER_CODE,
                             name=settings.OPENIVAN_PROVIDER_NAME)


def countersigning_key() -> Pkcs12Key | None:
    """The key of CKy_IVAN, for an agency that asks this provider to countersign; None: the
    envelope goes with the unit's signature only, as real I-VAN software sends it."""
    path = settings.OPENIVAN_PROVIDER_P12
    if not path:
        return None
    return _key(path, settings.OPENIVAN_PROVIDER_P12_PASSWORD)


def agency_client() -> AgencyClient:
    """A client of the agency's intake API (close it after use)."""
    return AgencyClient(settings.OPENIVAN_AGENCY_URL, settings.OPENIVAN_AGENCY_API_KEY,
                        _agency_certificates(settings.OPENIVAN_AGENCY_CERTIFICATES),
                        timeout=settings.OPENIVAN_AGENCY_TIMEOUT)


@lru_cache(maxsize=4)
def _key(path: str, password: str) -> Pkcs12Key:
    return Pkcs12Key.from_file(path, password)


@lru_cache(maxsize=4)
def _agency_certificates(path: str) -> list[x509.Certificate]:
    """The agency's signing certificates the provider believes (PEM, several during a
    rotation)."""
    return x509.load_pem_x509_certificates(Path(path).read_bytes()) if path else []


def certificate_checks() -> tuple[ChainValidator, RevocationChecker | None] | None:
    """The trust store and revocation policy a unit's new certificate is checked against
    (`OPENIVAN_TRUST_STORE`, `OPENIVAN_REVOCATION`): one the agency would refuse is not
    offered. None without a trust store."""
    return _checks(settings.OPENIVAN_TRUST_STORE, settings.OPENIVAN_REVOCATION)


@lru_cache(maxsize=4)
def _checks(directory: str, policy: str) -> tuple[ChainValidator, RevocationChecker | None] | None:
    if not Path(directory or "/nonexistent").is_dir():
        return None
    return trust.certificate_checks(directory, policy)
