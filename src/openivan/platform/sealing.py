"""Secrets at rest: text sealed with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived
from OPENIVAN_DATA_KEY (or SECRET_KEY), and keyed digests of codes. Used for email bodies that
carry codes and passwords, and for confirmation codes (Mã xác nhận), which are kept only as
digests.

Rotating the key: the new key becomes OPENIVAN_DATA_KEY (or SECRET_KEY) and the old one goes
to OPENIVAN_DATA_KEY_FALLBACKS (or SECRET_KEY_FALLBACKS). New secrets are sealed under the new
key; what was sealed or digested before still opens with a fallback, so no pending email and
no code already sent is lost. `openivan manage reseal` moves the emails to the new key and
says how long the codes still need the old one."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db.models import QuerySet

from openivan.core.errors import OpenIvanError


def _keys() -> tuple[str, ...]:
    """The current key first, then the ones it replaced."""
    return (settings.OPENIVAN_DATA_KEY, *settings.OPENIVAN_DATA_KEY_FALLBACKS)


@functools.cache
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"openivan data at rest v1").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@functools.cache
def _all_fernets(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(key) for key in keys])


def seal(text: str) -> bytes:
    return _fernet(settings.OPENIVAN_DATA_KEY).encrypt(text.encode())


def unseal(token: bytes) -> str:
    """The text, opened with the current key or a fallback; DATA_KEY_UNKNOWN if none fits."""
    try:
        return _all_fernets(_keys()).decrypt(bytes(token)).decode()
    except InvalidToken:
        raise OpenIvanError("DATA_KEY_UNKNOWN") from None


def reseal(token: bytes) -> bytes:
    """The same text sealed under the current key (DATA_KEY_UNKNOWN if no key opens it)."""
    try:
        return _all_fernets(_keys()).rotate(bytes(token))
    except InvalidToken:
        raise OpenIvanError("DATA_KEY_UNKNOWN") from None


def reseal_rows(rows: QuerySet[Any], field: str, batch: int = 500) -> tuple[int, list[Any]]:
    """Seal `field` of every row under the current key; call it inside a transaction. In
    batches by primary key (not a cursor held open over the table it writes to), each row
    locked while it changes, so a process using the row meanwhile never gets its own change
    overwritten. How many moved, and the keys of the rows no key opens (left as they were)."""
    moved, unreadable, after = 0, [], 0
    while chunk := list(rows.select_for_update().filter(pk__gt=after).order_by("pk").only(
            "pk", field)[:batch]):
        for row in chunk:
            try:
                sealed = reseal(getattr(row, field))
            except OpenIvanError:
                unreadable.append(row.pk)
                continue
            rows.model.objects.filter(pk=row.pk).update(**{field: sealed})
            moved += 1
        after = chunk[-1].pk
    return moved, unreadable


def digest(message: bytes) -> str:
    """Keyed digest under the current key: a leaked table gives nothing without the key."""
    return _digest(settings.OPENIVAN_DATA_KEY, message)


def digest_matches(expected: str, message: bytes) -> bool:
    """Whether `expected` is the digest of `message` under the current key or a fallback.
    Every key is tried, so the time taken does not say which one matched."""
    matches = [hmac.compare_digest(expected, _digest(key, message)) for key in _keys()]
    return any(matches)


def _digest(key: str, message: bytes) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
