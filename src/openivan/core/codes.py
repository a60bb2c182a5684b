"""Mã ngẫu nhiên (random codes): activation codes, recovery codes and one-time passwords that a
person reads out of an email or a letter and types back."""

from __future__ import annotations

import secrets

# No look-alikes (0/O, 1/I/L, 5/S, 2/Z, 8/B): codes and passwords read out of an email.
UNAMBIGUOUS = "ACDEFGHJKMNPQRTUVWXY34679"


def random_code(length: int) -> str:
    """`length` characters drawn from UNAMBIGUOUS by the operating system's CSPRNG."""
    return "".join(secrets.choice(UNAMBIGUOUS) for _ in range(length))
