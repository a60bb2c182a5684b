"""What every key whose private half lives elsewhere (token, remote HSM) shares."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa


class ExternalKey:
    """A key known by its certificate; subclasses implement `sign(data, padding, algorithm)`."""

    certificate: x509.Certificate

    def public_key(self) -> rsa.RSAPublicKey:
        public = self.certificate.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise TypeError("only RSA keys sign BHXH declarations")
        return public
