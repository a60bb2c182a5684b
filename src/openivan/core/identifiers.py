"""Vietnamese identifiers: tax codes, ID cards, social insurance numbers, mobiles, unit codes.

Each `parse_*` function takes raw user input, normalises it (Unicode NFC, surrounding blanks)
and returns the canonical form, or raises `OpenIvanError` with a code saying what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from openivan.core.errors import OpenIvanError

# Thông tư 105/2020/TT-BTC: weights of the first nine digits of a tax code.
_MST_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_MST_RE = re.compile(r"^(\d{10})(?:-(\d{3}))?$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_UNIT_CODE_RE = re.compile(r"^[A-Z0-9]{1,10}$")

MOBILE_NETWORKS: dict[str, tuple[str, ...]] = {
    "Viettel": ("032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098"),
    "Vinaphone": ("081", "082", "083", "084", "085", "088", "091", "094"),
    "Mobifone": ("070", "076", "077", "078", "079", "089", "090", "093"),
    "Vietnamobile": ("052", "056", "058", "092"),
    "Gmobile": ("059", "099"),
}
_PREFIX_TO_NETWORK = {p: net for net, prefixes in MOBILE_NETWORKS.items() for p in prefixes}


def normalize_text(value: str) -> str:
    """NFC-normalise and strip: decomposed Vietnamese breaks comparisons and PDF rendering."""
    return unicodedata.normalize("NFC", value).strip()


def search_key(value: str) -> str:
    """The form of a name that search compares: no tone or vowel marks, đ as d, case folded,
    blanks collapsed — "CÔNG TY  Đại Phát" and "cong ty dai phat" meet. (SQLite's LIKE folds
    ASCII letters only, so "Ô" and "ô" would not meet there without it.)"""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class TaxCode:
    """Mã số thuế (MST): ten digits, optionally a three-digit branch suffix."""

    base: str
    branch: str | None = None

    def __str__(self) -> str:
        return f"{self.base}-{self.branch}" if self.branch else self.base

    @property
    def is_branch(self) -> bool:
        return self.branch is not None


def mst_check_digit(first_nine: str) -> int | None:
    """The tenth digit for `first_nine`, or None when no digit is valid (remainder 0)."""
    remainder = sum(int(d) * w for d, w in zip(first_nine, _MST_WEIGHTS, strict=True)) % 11
    if remainder == 0:
        return None
    return 10 - remainder


def parse_mst(value: str) -> TaxCode:
    raw = normalize_text(value).replace(" ", "")
    match = _MST_RE.match(raw)
    if not match:
        raise OpenIvanError("MST_FORMAT", value=raw)
    base, branch = match.group(1), match.group(2)
    if branch == "000" or mst_check_digit(base[:9]) != int(base[9]):
        raise OpenIvanError("MST_CHECKSUM", value=raw)
    return TaxCode(base, branch)


def _digits(value: str, count: int, code: str) -> str:
    raw = normalize_text(value).replace(" ", "")
    if len(raw) != count or not raw.isascii() or not raw.isdigit():
        raise OpenIvanError(code, value=raw)
    return raw


def parse_cccd(value: str) -> str:
    """Căn cước công dân: 12 digits (province 3, century/sex 1, year 2, random 6), no check."""
    return _digits(value, 12, "CCCD_FORMAT")


def parse_cmnd(value: str) -> str:
    """Chứng minh nhân dân (old ID card): 9 digits."""
    return _digits(value, 9, "CMND_FORMAT")


def parse_bhxh_number(value: str) -> str:
    """Mã số BHXH of a person: 10 digits."""
    return _digits(value, 10, "BHXH_NUMBER_FORMAT")


@dataclass(frozen=True)
class MobileNumber:
    number: str  # national form, 0xxxxxxxxx
    network: str

    def __str__(self) -> str:
        return self.number

    @property
    def international(self) -> str:
        return "+84" + self.number[1:]


def parse_mobile(value: str) -> MobileNumber:
    raw = re.sub(r"[\s.\-()]", "", normalize_text(value))
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("84") and len(raw) == 11:
        raw = "0" + raw[2:]
    if len(raw) != 10 or not raw.isascii() or not raw.isdigit() or raw[0] != "0":
        raise OpenIvanError("PHONE_FORMAT", value=value)
    network = _PREFIX_TO_NETWORK.get(raw[:3])
    if network is None:
        raise OpenIvanError("PHONE_NETWORK", prefix=raw[:3], value=raw)
    return MobileNumber(raw, network)


def parse_unit_code(value: str) -> str:
    """Mã đơn vị: format unpublished; vendors upper-case it. 1–10 letters or digits."""
    raw = normalize_text(value).upper()
    if not _UNIT_CODE_RE.match(raw):
        raise OpenIvanError("UNIT_CODE_FORMAT", value=raw)
    return raw


def parse_email(value: str) -> str:
    raw = normalize_text(value)
    if len(raw) > 254 or not _EMAIL_RE.match(raw):
        raise OpenIvanError("EMAIL_FORMAT", value=raw)
    local, domain = raw.rsplit("@", 1)
    return f"{local}@{domain.lower()}"
