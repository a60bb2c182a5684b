"""I-VAN providers as API clients: registration, authentication, rate limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from openivan.agency.models import IvanProvider
from openivan.conf.rows import find
from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mst
from openivan.core.pki import facts


def register_provider(code: str, name: str, tax_code: str,
                      certificates: Sequence[x509.Certificate] = ()) -> tuple[IvanProvider, str]:
    """Register an I-VAN provider and the certificates it countersigns with; returns it and its
    API key (shown once, stored hashed)."""
    parse_mst(tax_code)
    key_id, secret = _new_key()
    with transaction.atomic():
        provider = IvanProvider.objects.create(
            code=code, name=name, tax_code=tax_code, api_key_id=key_id,
            api_key_hash=hashlib.sha256(secret.encode()).hexdigest(),
            certificate_thumbprints=[facts(c).thumbprint_sha256 for c in certificates])
    return provider, f"{key_id}.{secret}"


def rotate_api_key(code: str) -> str:
    """A new API key for a provider; the old one stops working at once."""
    key_id, secret = _new_key()
    with transaction.atomic():
        updated = IvanProvider.objects.filter(code=code).update(
            api_key_id=key_id, api_key_hash=hashlib.sha256(secret.encode()).hexdigest())
    if not updated:
        raise OpenIvanError("PROVIDER_AUTH_FAILED")
    return f"{key_id}.{secret}"


def _new_key() -> tuple[str, str]:
    return secrets.token_hex(8), secrets.token_urlsafe(32)


def authenticate(api_key: str) -> IvanProvider:
    key_id, _, secret = api_key.partition(".")
    provider = find(IvanProvider, api_key_id=key_id, active=True)  # every API call: lean
    # Compare even when the key id is unknown, so timing says nothing about which ids exist.
    expected = provider.api_key_hash if provider else "0" * 64
    given = hashlib.sha256(secret.encode()).hexdigest()
    if not hmac.compare_digest(expected, given) or provider is None:
        raise OpenIvanError("PROVIDER_AUTH_FAILED")
    return provider


def check_rate(provider: IvanProvider, now: datetime | None = None) -> None:
    """Fixed one-minute window per provider."""
    now = now or timezone.now()
    window = int(now.timestamp() // 60)
    key = f"openivan:rate:{provider.pk}:{window}"
    cache.add(key, 0, timeout=120)
    count = cache.incr(key)
    if count > settings.OPENIVAN_RATE_LIMIT_PER_MINUTE:
        raise OpenIvanError("RATE_LIMITED", retry_after=60 - int(now.timestamp()) % 60)
