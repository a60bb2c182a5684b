"""Keys on a PKCS#11 token (a USB token, or SoftHSM2 in tests), addressed by token label.

The key never leaves the token: the token hashes and signs (CKM_SHA256_RSA_PKCS). Slot numbers
change when tokens are re-plugged or re-initialised, so tokens are found by label.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pkcs11 import Attribute, Mechanism, ObjectClass
from pkcs11 import exceptions as p11

from openivan.core.errors import OpenIvanError
from openivan.core.signers.base import ExternalKey

DEFAULT_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
_MECHANISMS = {"sha256": Mechanism.SHA256_RSA_PKCS, "sha384": Mechanism.SHA384_RSA_PKCS,
               "sha512": Mechanism.SHA512_RSA_PKCS}


@dataclass(frozen=True)
class TokenCertificate:
    object_id: bytes
    label: str
    certificate: x509.Certificate


class Pkcs11Token:
    """An open, logged-in session on one token. Use as a context manager."""

    def __init__(self, session: Any, label: str) -> None:
        self._session = session
        self.label = label

    @classmethod
    def open(cls, token_label: str, pin: str, module: str = DEFAULT_MODULE) -> Pkcs11Token:
        try:
            lib = pkcs11.lib(module)
        except (RuntimeError, OSError) as exc:
            raise OpenIvanError("TOKEN_ERROR", reason=f"cannot load {module}: {exc}") from exc
        try:
            token = lib.get_token(token_label=token_label)
        except (p11.NoSuchToken, p11.TokenNotPresent) as exc:
            raise OpenIvanError("TOKEN_NOT_FOUND", label=token_label) from exc
        try:
            session = token.open(user_pin=pin)
        except p11.PinIncorrect as exc:
            raise OpenIvanError("TOKEN_PIN_INVALID") from exc
        except p11.PinLocked as exc:
            raise OpenIvanError("TOKEN_PIN_LOCKED") from exc
        except p11.PinLenRange as exc:
            raise OpenIvanError("TOKEN_PIN_INVALID") from exc
        except p11.PKCS11Error as exc:
            raise OpenIvanError("TOKEN_ERROR", reason=exc.__class__.__name__) from exc
        return cls(session, token_label)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Pkcs11Token:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def certificates(self) -> list[TokenCertificate]:
        found = []
        for obj in self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            try:
                cert = x509.load_der_x509_certificate(bytes(obj[Attribute.VALUE]))
            except ValueError:
                continue  # not an X.509 certificate we can use
            found.append(TokenCertificate(bytes(obj[Attribute.ID]), str(obj[Attribute.LABEL]),
                                          cert))
        return found

    def key_for(self, certificate: TokenCertificate) -> Pkcs11Key:
        """The private key with the certificate's CKA_ID, as a signing key."""
        try:
            key = self._session.get_key(object_class=ObjectClass.PRIVATE_KEY,
                                        id=certificate.object_id)
        except (p11.NoSuchKey, p11.MultipleObjectsReturned) as exc:
            raise OpenIvanError("TOKEN_KEY_NOT_FOUND") from exc
        return Pkcs11Key(key, certificate.certificate)


class Pkcs11Key(ExternalKey):
    """signxml-style key object whose private half stays on the token."""

    def __init__(self, key: Any, certificate: x509.Certificate) -> None:
        self._key = key
        self.certificate = certificate

    @property
    def key_size(self) -> int:
        return int(self._key.key_length)

    def sign(self, data: bytes, padding: padding.AsymmetricPadding,
             algorithm: hashes.HashAlgorithm) -> bytes:
        mechanism = _MECHANISMS.get(algorithm.name)
        if mechanism is None:
            raise OpenIvanError("SIG_ALGORITHM_FORBIDDEN", algorithm=algorithm.name)
        try:
            return bytes(self._key.sign(data, mechanism=mechanism))
        except p11.PKCS11Error as exc:
            raise OpenIvanError("TOKEN_ERROR", reason=exc.__class__.__name__) from exc
