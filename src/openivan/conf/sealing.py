"""Secrets at rest: text sealed with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived
from OPENIVAN_DATA_KEY (or SECRET_KEY). Used for email bodies that carry codes and passwords."""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@functools.cache
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"openivan data at rest v1").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> bytes:
    return _fernet(settings.OPENIVAN_DATA_KEY).encrypt(text.encode())


def unseal(token: bytes) -> str:
    return _fernet(settings.OPENIVAN_DATA_KEY).decrypt(bytes(token)).decode()
