"""I-VAN providers as API clients: registration, authentication, rate limit."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

from cryptography import x509
from django.conf import settings
from django.db import transaction

from openivan.agency.models import IvanProvider
from openivan.conf.rows import find
from openivan.conf.services import audit, throttles
from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mst
from openivan.core.pki import facts

Actor = audit.Actor
PROVIDER_CODE = re.compile(r"[0-9A-Za-z]{1,20}")


def register_provider(code: str, name: str, tax_code: str,
                      certificates: Sequence[x509.Certificate] = (), *,
                      by: Actor = None) -> tuple[IvanProvider, str]:
    """Register an I-VAN provider and the certificates it countersigns with; returns it and its
    API key (shown once, stored hashed)."""
    parse_mst(tax_code)
    code = code.strip()
    if not PROVIDER_CODE.fullmatch(code):
        raise OpenIvanError("PROVIDER_CODE_INVALID", ivan_code=code)
    name = name.strip()
    if not 0 < len(name) <= IvanProvider._meta.get_field("name").max_length:  # type: ignore[operator]
        raise OpenIvanError("PROVIDER_NAME_INVALID")
    key_id, secret = _new_key()
    thumbprints = [facts(c).thumbprint_sha256 for c in certificates]
    with transaction.atomic():
        if IvanProvider.objects.filter(code=code).exists():
            raise OpenIvanError("PROVIDER_EXISTS", ivan_code=code)
        provider = IvanProvider.objects.create(
            code=code, name=name, tax_code=tax_code, api_key_id=key_id,
            api_key_hash=hashlib.sha256(secret.encode()).hexdigest(),
            certificate_thumbprints=thumbprints)
        audit.record(by, "provider.registered", f"provider:{code}", name=provider.name,
                     tax_code=tax_code, certificates=thumbprints)
    return provider, f"{key_id}.{secret}"


def rotate_api_key(code: str, *, by: Actor = None) -> str:
    """A new API key for a provider; the old one stops working at once."""
    key_id, secret = _new_key()
    with transaction.atomic():
        updated = IvanProvider.objects.filter(code=code).update(
            api_key_id=key_id, api_key_hash=hashlib.sha256(secret.encode()).hexdigest())
        if not updated:
            raise OpenIvanError("PROVIDER_NOT_FOUND", ivan_code=code)
        audit.record(by, "provider.key_rotated", f"provider:{code}", key_id=key_id)
    return f"{key_id}.{secret}"


def set_provider_active(code: str, active: bool, *, by: Actor = None) -> None:
    """Suspend a provider (its API key stops working) or let it work again."""
    with transaction.atomic():
        if not IvanProvider.objects.filter(code=code).update(active=active):
            raise OpenIvanError("PROVIDER_NOT_FOUND", ivan_code=code)
        audit.record(by, "provider.activated" if active else "provider.suspended",
                     f"provider:{code}")


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


def check_rate(provider: IvanProvider) -> None:
    """At most OPENIVAN_RATE_LIMIT_PER_MINUTE calls per provider in a minute, counted across
    every web process (a shared throttle in the database)."""
    hits = throttles.hit(f"api:{provider.pk}", 60)
    if hits.count > settings.OPENIVAN_RATE_LIMIT_PER_MINUTE:
        raise OpenIvanError("RATE_LIMITED", retry_after=hits.seconds_left())
