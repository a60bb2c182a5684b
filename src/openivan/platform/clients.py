"""Who is calling: the address that sign-in limits and the audit log name."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings


def client_address(meta: Mapping[str, Any]) -> str:
    """The caller's IP address. Without proxies, the socket's peer. Behind
    OPENIVAN_TRUSTED_PROXIES reverse proxies, the address the farthest of them saw: each one
    appended its peer to X-Forwarded-For, so that address is counted from the right, and
    whatever a client wrote on the left (a forged address) is never read."""
    remote = str(meta.get("REMOTE_ADDR", ""))
    proxies = settings.OPENIVAN_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        return remote
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # not an address: a misconfigured proxy; keep the peer
        return remote
