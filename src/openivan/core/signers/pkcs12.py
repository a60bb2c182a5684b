"""A key and certificate from a PKCS#12 (.p12 / .pfx) file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from openivan.core.errors import OpenIvanError


@dataclass
class Pkcs12Key:
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: list[x509.Certificate]

    @classmethod
    def load(cls, data: bytes, password: str | bytes | None) -> Pkcs12Key:
        secret = password.encode() if isinstance(password, str) else password
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, secret)
        except (ValueError, TypeError) as exc:
            raise OpenIvanError("P12_INVALID") from exc
        if key is None or cert is None or not isinstance(
            key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
        ):
            raise OpenIvanError("P12_INVALID")
        return cls(key, cert, list(extra))

    @classmethod
    def from_file(cls, path: str | Path, password: str | bytes | None) -> Pkcs12Key:
        return cls.load(Path(path).read_bytes(), password)

    @property
    def key_size(self) -> int:
        return self.private_key.key_size

    def public_key(self) -> rsa.RSAPublicKey | ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    def sign(self, data: bytes, padding: padding.AsymmetricPadding,
             algorithm: hashes.HashAlgorithm) -> bytes:
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return self.private_key.sign(data, padding, algorithm)
        return self.private_key.sign(data, ec.ECDSA(algorithm))
