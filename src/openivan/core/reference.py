"""Reference codes (mã tham chiếu) of declarations filed at a reception point.

A person without a certificate gets one when confirming 01/ĐK-GD online; it is printed (and as a
QR code) on the form, read out at the desk, typed back by an officer. So it is short, made of an
alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V pairs), and ends with a check
character that catches every single mistyped character and every swap of two characters.

Alphabet of 23 characters (a prime), nine random characters, then the check character `c` such
that sum(weight_i * value_i) = 0 (mod 23) with the distinct weights 1..10: a wrong character
changes the sum by weight * difference, a swap of positions i and j by
(w_i - w_j) * (v_i - v_j); neither is 0 modulo a prime. Printed as two groups of five:
`KM4TX-ACH7R`.
"""

from __future__ import annotations

import secrets

from openivan.core.errors import OpenIvanError

ALPHABET = "ACDEFGHJKMNPRTVWXY34679"
MODULUS = len(ALPHABET)  # 23, a prime: the check character's guarantees need it
BODY_LENGTH = 9
LENGTH = BODY_LENGTH + 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


def check_character(body: str) -> str:
    """The check character of a body of `BODY_LENGTH` alphabet characters."""
    total = sum(weight * _VALUE[c] for weight, c in enumerate(body, 1))
    # Find v with total + LENGTH * v = 0 (mod p): v = -total * LENGTH^-1.
    inverse = pow(LENGTH, -1, MODULUS)
    return ALPHABET[(-total * inverse) % MODULUS]


def new_reference() -> str:
    """A fresh random code, canonical form (no separator)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_character(body)


def display(code: str) -> str:
    """The printed form: two groups of five separated by a hyphen."""
    return f"{code[:5]}-{code[5:]}"


def parse_reference(value: str) -> str:
    """A code as typed or scanned → canonical form; raises REFERENCE_FORMAT or REFERENCE_CHECK.

    Blanks and hyphens are ignored and lower case is accepted, so `km4tx acH7r` reads.
    """
    raw = "".join(value.split()).replace("-", "").upper()
    if len(raw) != LENGTH or any(c not in _VALUE for c in raw):
        raise OpenIvanError("REFERENCE_FORMAT", value=value[:40], length=LENGTH)
    if check_character(raw[:BODY_LENGTH]) != raw[BODY_LENGTH]:
        raise OpenIvanError("REFERENCE_CHECK", value=display(raw))
    return raw
