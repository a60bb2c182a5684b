import base64
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from openivan.core import totp

RFC_SECRET = b"12345678901234567890"  # RFC 6238 appendix B, HMAC-SHA1


@pytest.mark.parametrize(("now", "code"), [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
    (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130"),
])
def test_codes_are_those_of_rfc_6238(now, code):
    assert totp.code_at(RFC_SECRET, totp.time_step(now), digits=8) == code


def test_a_code_matches_its_own_step_and_its_neighbours_only():
    secret, now = totp.new_secret(), 1_800_000_015.0
    step = totp.time_step(now)
    assert totp.matching_step(secret, totp.code_at(secret, step), now) == step
    assert totp.matching_step(secret, totp.code_at(secret, step - 1), now) == step - 1
    assert totp.matching_step(secret, totp.code_at(secret, step + 1), now) == step + 1
    assert totp.matching_step(secret, totp.code_at(secret, step - 2), now) is None
    assert totp.matching_step(secret, totp.code_at(secret, step + 2), now) is None


def test_spaces_typed_inside_a_code_are_ignored():
    secret, now = totp.new_secret(), 1_800_000_015.0
    code = totp.code_at(secret, totp.time_step(now))
    assert totp.matching_step(secret, f" {code[:3]} {code[3:]} ", now) is not None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "-12345"])
def test_what_is_not_six_ascii_digits_matches_nothing(typed):
    secret = totp.new_secret()
    assert totp.matching_step(secret, typed, 1_800_000_015.0) is None


def test_the_link_carries_what_an_authenticator_app_reads():
    secret = totp.new_secret()
    link = urlsplit(totp.provisioning_uri(secret, "canbo01", "BHXH OpenIVAN"))
    assert (link.scheme, link.netloc) == ("otpauth", "totp")
    assert unquote(link.path) == "/BHXH OpenIVAN:canbo01"
    query = {key: value[0] for key, value in parse_qs(link.query).items()}
    # SHA-1, 6 digits, 30 s: every app's default, which the link need not name
    assert query["secret"] == totp.secret_text(secret) and query["issuer"] == "BHXH OpenIVAN"
    assert query.get("algorithm", "SHA1") == "SHA1" and query.get("digits", "6") == "6"
    assert query.get("period", "30") == "30"
    padded = query["secret"] + "=" * (-len(query["secret"]) % 8)
    assert base64.b32decode(padded) == secret


def test_the_setup_key_is_grouped_by_four_for_copying_by_hand():
    assert totp.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"
