"""Time-based one-time codes (RFC 6238, TOTP): Mã xác thực of an authenticator app.

What the agency's officers type after their password (xác thực hai lớp). HMAC-SHA1, 6 digits,
30-second steps: the parameters every authenticator app (Google Authenticator, Microsoft
Authenticator, FreeOTP) reads from an `otpauth://` link without asking.

The codes and the link are pyotp's; what is ours is the policy around them: which time steps
a code may come from, and (in accounts.services.second_factor) that a step is used once.
"""

from __future__ import annotations

import base64
import secrets

import pyotp

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


def _totp(secret: bytes, digits: int = DIGITS) -> pyotp.TOTP:
    return pyotp.TOTP(secret_text(secret), digits=digits, interval=PERIOD)


def code_at(secret: bytes, step: int, digits: int = DIGITS) -> str:
    """The code of one time step (RFC 4226's HOTP of the step's counter)."""
    return str(_totp(secret, digits).generate_otp(step))


def matching_step(secret: bytes, code: str, now: float, *, drift: int = 1) -> int | None:
    """The time step whose code this is, within `drift` steps either side of now (a phone's
    clock a little off, a code typed as it changed); None when no step has it.

    Every candidate is compared in constant time, so the time taken says nothing of which one
    (or whether one) matched. The caller refuses a step already used: a code seen over
    someone's shoulder must not open a second session."""
    code = "".join(code.split())
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    current, generator = time_step(now), _totp(secret)
    found = None
    for step in range(current - drift, current + drift + 1):
        if pyotp.utils.strings_equal(str(generator.generate_otp(step)), code) and found is None:
            found = step
    return found


def provisioning_uri(secret: bytes, account: str, issuer: str) -> str:
    """The `otpauth://totp/…` link an app reads from the QR code (Key Uri Format)."""
    return str(_totp(secret).provisioning_uri(name=account, issuer_name=issuer))


def secret_from_text(text: str) -> bytes:
    """The inverse of `secret_text`."""
    return base64.b32decode(text + "=" * (-len(text) % 8))
