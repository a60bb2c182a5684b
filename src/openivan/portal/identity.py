"""Identity providers: other ways than the password for a person to sign in to the portal.

Nghị định 164/2025 makes the national identity app (VNeID) the way into public services; it
speaks OpenID Connect. The portal keeps that pluggable: a provider is registered here (from
an AppConfig.ready, or a deployment's own app) and gets two addresses,

    /ca-nhan/dang-nhap/<key>/       start: the provider's page (an OIDC authorization request)
    /ca-nhan/dang-nhap/<key>/xong/  its answer: `finish` returns the verified Identity

and the sign-in page a button. The portal then signs in the account whose Person has that ID
number (the one declared on 01/ĐK-GD and checked against the agency's records), writes the
audit event, and leaves the rest (the one-time password, the password's age) to the accounts
app's middleware as after a password. No account with that number: PORTAL_IDENTITY_NO_ACCOUNT.

No provider ships: docs/portal.md says how to add VNeID as an OpenID Connect provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.http import HttpRequest, HttpResponse

from openivan.core.errors import OpenIvanError


@dataclass(frozen=True)
class Identity:
    """What a provider vouches for once the person passed its checks."""

    provider: str  # the provider's key
    subject: str  # its stable id of the person (OIDC `sub`)
    id_number: str  # số định danh cá nhân / CCCD (12 digits), as the provider asserts it
    full_name: str = ""


class IdentityProvider(Protocol):
    key: str  # in the addresses: letters, digits, "-"
    label: str  # on the sign-in page's button ("Đăng nhập bằng VNeID")

    def start(self, request: HttpRequest, callback_url: str) -> HttpResponse:
        """Send the browser to the provider (keep `state`, `nonce`, the PKCE verifier in
        `request.session`); it comes back to `callback_url`."""
        ...

    def finish(self, request: HttpRequest) -> Identity:
        """At `callback_url`: check what came back (state, the code exchanged for tokens,
        the ID token's signature, issuer, audience, nonce, expiry) and return the Identity;
        raise OpenIvanError when anything is wrong."""
        ...


_PROVIDERS: dict[str, IdentityProvider] = {}


def register(provider: IdentityProvider) -> None:
    _PROVIDERS[provider.key] = provider


def unregister(key: str) -> None:
    _PROVIDERS.pop(key, None)


def providers() -> list[IdentityProvider]:
    return list(_PROVIDERS.values())


def provider(key: str) -> IdentityProvider:
    found = _PROVIDERS.get(key)
    if found is None:
        raise OpenIvanError("PORTAL_PROVIDER_UNKNOWN", provider=key[:40])
    return found
