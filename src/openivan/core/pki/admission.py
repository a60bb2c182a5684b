"""Whether a certificate may be added to a unit's list (Chứng thư số › Thêm mới), and when its
holder must be warned that it ends.

The same rules whatever the certificate came from — a USB token through the signing agent, a
remote signing service (HSM) or a file: the tax code in its subject UID is the unit's own,
it is valid now, it may sign, and the unit does not already have it. Each refusal says why.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509

from openivan.core.errors import OpenIvanError
from openivan.core.pki.chain import ChainValidator
from openivan.core.pki.facts import CertificateFacts, facts
from openivan.core.pki.revocation import RevocationChecker
from openivan.core.pki.validate import validate_certificate

# Days before the end of a certificate at which its unit is warned (on the page and by email).
EXPIRY_WARNING_DAYS = (30, 7)


def admit_unit_certificate(cert: x509.Certificate, unit_tax_code: str, now: datetime,
                           known_thumbprints: Collection[str] = (), *,
                           chains: ChainValidator | None = None,
                           revocation: RevocationChecker | None = None) -> CertificateFacts:
    """The certificate's facts if the unit with `unit_tax_code` may add it; otherwise the
    reason, as an OpenIvanError (CERT_NO_TAX_CODE, MST_MISMATCH, CERT_NOT_YET_VALID,
    CERT_EXPIRED, CERT_KEY_USAGE, CERT_ALREADY_ADDED). `known_thumbprints`: the SHA-256
    thumbprints of the unit's certificates. With `chains` (and `revocation`), the certificate
    must also chain to a trusted CA and not be revoked (CERT_UNTRUSTED, CERT_REVOKED, ...):
    one the agency would refuse is not offered."""
    found = facts(cert)
    if found.tax_code is None:
        raise OpenIvanError("CERT_NO_TAX_CODE")
    if found.tax_code != unit_tax_code.strip().upper():
        raise OpenIvanError("MST_MISMATCH", certificate=found.tax_code, declared=unit_tax_code)
    if now < found.not_before:
        raise OpenIvanError("CERT_NOT_YET_VALID", not_before=_day(found.not_before))
    if now >= found.not_after:
        raise OpenIvanError("CERT_EXPIRED", not_after=_day(found.not_after))
    if not found.can_sign:
        raise OpenIvanError("CERT_KEY_USAGE")
    if found.thumbprint_sha256 in known_thumbprints:
        raise OpenIvanError("CERT_ALREADY_ADDED", serial=found.serial)
    if chains is not None:
        validate_certificate(cert, now, chains, revocation)
    return found


@dataclass(frozen=True)
class ExpiryWarning:
    """Hết hạn: how many whole days are left, and the warning threshold reached (30, 7, or 0
    once it has ended)."""

    days_left: int
    threshold: int


def expiry_warning(not_after: datetime, now: datetime,
                   thresholds: tuple[int, ...] = EXPIRY_WARNING_DAYS) -> ExpiryWarning | None:
    """The warning due for a certificate ending at `not_after`, or None if none is due yet.
    The smallest threshold reached is the one due: an email at 30 days, another at 7."""
    if now >= not_after:
        return ExpiryWarning(0, 0)
    left = not_after - now
    reached = [t for t in thresholds if left <= timedelta(days=t)]
    return ExpiryWarning(left.days, min(reached)) if reached else None


def _day(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y")
