"""I-VAN providers as API clients: registration, authentication, rate limit."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from openivan.agency.models import IvanProvider, ProviderCertificate
from openivan.core.calendar import shown
from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mst
from openivan.core.pki import CertificateFacts, facts
from openivan.platform.rows import find
from openivan.platform.services import audit, throttles

Actor = audit.Actor
PROVIDER_CODE = re.compile(r"[0-9A-Za-z]{1,20}")
HOUR = timedelta(hours=1)
# A week covers a provider's change window; longer would keep a leaked key alive past the
# point of rotating it.
MAX_KEY_OVERLAP = timedelta(days=7)


def register_provider(code: str, name: str, tax_code: str,
                      certificates: Sequence[x509.Certificate] = (), *,
                      countersignature_required: bool = True,
                      by: Actor = None) -> tuple[IvanProvider, str]:
    """Register an I-VAN provider and the certificates it countersigns with; returns it and its
    API key (shown once, stored hashed). `countersignature_required=False` for a provider that
    sends the real shape, without CKy_IVAN."""
    parse_mst(tax_code)
    code = code.strip()
    if not PROVIDER_CODE.fullmatch(code):
        raise OpenIvanError("PROVIDER_CODE_INVALID", ivan_code=code)
    name = name.strip()
    if not 0 < len(name) <= IvanProvider._meta.get_field("name").max_length:  # type: ignore[operator]
        raise OpenIvanError("PROVIDER_NAME_INVALID")
    now = timezone.now()
    checked = list({cert.thumbprint_sha256: cert for cert in  # each once
                    (_countersigning(c, tax_code, now) for c in certificates)}.values())
    key_id, secret = _new_key()
    thumbprints = [cert.thumbprint_sha256 for cert in checked]
    with transaction.atomic():
        if IvanProvider.objects.filter(code=code).exists():
            raise OpenIvanError("PROVIDER_EXISTS", ivan_code=code)
        provider = IvanProvider.objects.create(
            code=code, name=name, tax_code=tax_code, api_key_id=key_id,
            api_key_hash=hashlib.sha256(secret.encode()).hexdigest(),
            certificate_thumbprints=thumbprints,
            countersignature_required=countersignature_required)
        ProviderCertificate.objects.bulk_create(
            _certificate_row(provider, cert, now) for cert in checked)
        audit.record(by, "provider.registered", f"provider:{code}", name=provider.name,
                     tax_code=tax_code, certificates=thumbprints,
                     countersignature_required=countersignature_required)
    return provider, f"{key_id}.{secret}"


def add_certificate(code: str, certificate: x509.Certificate, *,
                    by: Actor = None) -> ProviderCertificate:
    """Register one more certificate the provider countersigns with (its renewed one: both
    work until the old one is removed)."""
    now = timezone.now()
    with transaction.atomic():
        provider = _provider_for_update(code)
        cert = _countersigning(certificate, provider.tax_code, now)
        if cert.thumbprint_sha256 in provider.certificate_thumbprints:
            raise OpenIvanError("PROVIDER_CERT_EXISTS", ivan_code=code,
                                thumbprint=cert.thumbprint_sha256)
        row = _certificate_row(provider, cert, now)
        row.save()
        provider.certificate_thumbprints = [*provider.certificate_thumbprints,
                                            cert.thumbprint_sha256]
        provider.save(update_fields=["certificate_thumbprints"])
        audit.record(by, "provider.certificate_added", f"provider:{code}",
                     thumbprint=row.thumbprint, serial=row.serial, subject=row.subject,
                     valid_to=row.valid_to.isoformat() if row.valid_to else None)
    return row


def remove_certificate(code: str, thumbprint: str, *, by: Actor = None) -> None:
    """Stop accepting the provider's countersignatures made with this certificate. The last
    one stays: with none registered, any certificate with the provider's MST would do."""
    thumbprint = normalised_thumbprint(thumbprint)
    with transaction.atomic():
        provider = _provider_for_update(code)
        if thumbprint not in provider.certificate_thumbprints:
            raise OpenIvanError("PROVIDER_CERT_NOT_REGISTERED", ivan_code=code,
                                thumbprint=thumbprint)
        if len(provider.certificate_thumbprints) == 1:
            raise OpenIvanError("PROVIDER_CERT_LAST", ivan_code=code)
        provider.certificates.filter(thumbprint=thumbprint).delete()
        provider.certificate_thumbprints = [t for t in provider.certificate_thumbprints
                                            if t != thumbprint]
        provider.save(update_fields=["certificate_thumbprints"])
        audit.record(by, "provider.certificate_removed", f"provider:{code}",
                     thumbprint=thumbprint)


def normalised_thumbprint(text: str) -> str:
    """A SHA-256 thumbprint as vendors print it too: any case, with colons or spaces."""
    return re.sub(r"[\s:]", "", text).upper()


def _provider_for_update(code: str) -> IvanProvider:
    provider = IvanProvider.objects.select_for_update().filter(code=code).first()
    if provider is None:
        raise OpenIvanError("PROVIDER_NOT_FOUND", ivan_code=code)
    return provider


def _countersigning(certificate: x509.Certificate, tax_code: str,
                    now: datetime) -> CertificateFacts:
    """The certificate's facts, if the provider can countersign with it: refused now rather
    than at the provider's first dossier."""
    cert = facts(certificate)
    if cert.tax_code != tax_code:
        raise OpenIvanError("PROVIDER_CERT_MST", thumbprint=cert.thumbprint_sha256,
                            certificate=cert.tax_code or "?", provider=tax_code)
    if cert.not_after <= now:
        raise OpenIvanError("CERT_EXPIRED", not_after=shown(cert.not_after))
    if not cert.can_sign:
        raise OpenIvanError("CERT_KEY_USAGE")
    return cert


def _certificate_row(provider: IvanProvider, cert: CertificateFacts,
                     now: datetime) -> ProviderCertificate:
    return ProviderCertificate(provider=provider, thumbprint=cert.thumbprint_sha256,
                               subject=cert.subject[:500], serial=cert.serial[:64],
                               valid_to=cert.not_after, added_at=now)


def rotate_api_key(code: str, *, keep_old: timedelta = timedelta(0),
                   by: Actor = None) -> str:
    """A new API key for a provider. The old one stops at once, or is still accepted for
    `keep_old` (at most MAX_KEY_OVERLAP) while the provider's servers move to the new one; a
    key kept from an earlier rotation stops now."""
    if not timedelta(0) <= keep_old <= MAX_KEY_OVERLAP:
        raise OpenIvanError("PROVIDER_KEY_OVERLAP_INVALID", hours=MAX_KEY_OVERLAP // HOUR)
    key_id, secret = _new_key()
    with transaction.atomic():
        provider = _provider_for_update(code)
        until = timezone.now() + keep_old if keep_old else None
        provider.previous_key_id = provider.api_key_id if until else None
        provider.previous_key_hash = provider.api_key_hash if until else ""
        provider.previous_key_until = until
        provider.api_key_id = key_id
        provider.api_key_hash = hashlib.sha256(secret.encode()).hexdigest()
        provider.save(update_fields=["api_key_id", "api_key_hash", "previous_key_id",
                                     "previous_key_hash", "previous_key_until"])
        audit.record(by, "provider.key_rotated", f"provider:{code}", key_id=key_id,
                     old_key_until=until.isoformat() if until else None)
    return f"{key_id}.{secret}"


def set_provider_active(code: str, active: bool, *, by: Actor = None) -> None:
    """Suspend a provider (its API key stops working) or let it work again."""
    with transaction.atomic():
        if not IvanProvider.objects.filter(code=code).update(active=active):
            raise OpenIvanError("PROVIDER_NOT_FOUND", ivan_code=code)
        audit.record(by, "provider.activated" if active else "provider.suspended",
                     f"provider:{code}")


def set_countersignature_required(code: str, required: bool, *, by: Actor = None) -> None:
    """Whether the provider's envelopes must carry its countersignature (CKy_IVAN)."""
    with transaction.atomic():
        if not IvanProvider.objects.filter(code=code).update(
                countersignature_required=required):
            raise OpenIvanError("PROVIDER_NOT_FOUND", ivan_code=code)
        audit.record(by, "provider.countersignature_required" if required
                     else "provider.countersignature_optional", f"provider:{code}")


def _new_key() -> tuple[str, str]:
    return secrets.token_hex(8), secrets.token_urlsafe(32)


def authenticate(api_key: str) -> IvanProvider:
    key_id, _, secret = api_key.partition(".")
    provider = find(IvanProvider, api_key_id=key_id, active=True)  # every API call: lean
    expected = provider.api_key_hash if provider else None
    if provider is None:  # or the key before a rotation, while it is still kept
        provider = find(IvanProvider, previous_key_id=key_id, active=True)
        if provider and provider.previous_key_until and (
                provider.previous_key_until > timezone.now()):
            expected = provider.previous_key_hash
        else:
            provider = None
    # Compare even when the key id is unknown, so timing says nothing about which ids exist.
    given = hashlib.sha256(secret.encode()).hexdigest()
    if not hmac.compare_digest(expected or "0" * 64, given) or provider is None:
        raise OpenIvanError("PROVIDER_AUTH_FAILED")
    return provider


def check_rate(provider: IvanProvider) -> None:
    """At most OPENIVAN_RATE_LIMIT_PER_MINUTE calls per provider in a minute, counted across
    every web process (a shared throttle in the database)."""
    hits = throttles.hit(f"api:{provider.pk}", 60)
    if hits.count > settings.OPENIVAN_RATE_LIMIT_PER_MINUTE:
        raise OpenIvanError("RATE_LIMITED", retry_after=hits.seconds_left())
