"""Time-based one-time codes (RFC 6238, TOTP): Mã xác thực of an authenticator app.

What the agency's officers type after their password (xác thực hai lớp). HMAC-SHA1, 6 digits,
30-second steps: the parameters every authenticator app (Google Authenticator, Microsoft
Authenticator, FreeOTP) reads from an `otpauth://` link without asking.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

PERIOD = 30  # seconds per step
DIGITS = 6
SECRET_BYTES = 20  # 160 bits: RFC 4226's recommended length for HMAC-SHA1


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def secret_text(secret: bytes) -> str:
    """Base32 without padding, as an app's "enter a setup key" field expects it."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def grouped(text: str) -> str:
    """In groups of four, so a person can copy it by hand ("ABCD EFGH …")."""
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def time_step(now: float) -> int:
    return int(now // PERIOD)


def code_at(secret: bytes, step: int, digits: int = DIGITS) -> str:
    """The code of one time step (RFC 4226's dynamic truncation of HMAC-SHA1)."""
    mac = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    (number,) = struct.unpack(">I", mac[offset:offset + 4])
    return str((number & 0x7FFFFFFF) % 10**digits).zfill(digits)


def matching_step(secret: bytes, code: str, now: float, *, drift: int = 1) -> int | None:
    """The time step whose code this is, within `drift` steps either side of now (a phone's
    clock a little off, a code typed as it changed); None when no step has it.

    Every candidate is compared in constant time, so the time taken says nothing of which one
    (or whether one) matched. The caller refuses a step already used: a code seen over
    someone's shoulder must not open a second session."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    current = time_step(now)
    found = None
    for step in range(current - drift, current + drift + 1):
        if hmac.compare_digest(code_at(secret, step), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: bytes, account: str, issuer: str) -> str:
    """The `otpauth://totp/…` link an app reads from the QR code (Key Uri Format)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode({"secret": secret_text(secret), "issuer": issuer, "algorithm": "SHA1",
                       "digits": DIGITS, "period": PERIOD})
    return f"otpauth://totp/{label}?{query}"


def secret_from_text(text: str) -> bytes:
    """The inverse of `secret_text`."""
    return base64.b32decode(text + "=" * (-len(text) % 8))
