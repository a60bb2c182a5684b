"""Trust store and chain building (cryptography's verifier), validity and key usage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from openivan.core.errors import OpenIvanError
from openivan.core.pki.facts import facts


@dataclass(frozen=True)
class TrustStore:
    """Roots (self-signed) and intermediates the agency trusts: a folder of PEM/DER files."""

    roots: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...]

    @classmethod
    def from_directory(cls, path: str | Path) -> TrustStore:
        directory = Path(path)
        if not directory.is_dir():
            raise OpenIvanError("TRUST_STORE_INVALID", path=str(directory))
        roots: list[x509.Certificate] = []
        intermediates: list[x509.Certificate] = []
        for file in sorted(directory.iterdir()):
            if file.suffix.lower() not in (".pem", ".crt", ".cer", ".der"):
                continue
            data = file.read_bytes()
            try:
                certs = (x509.load_pem_x509_certificates(data) if b"-----BEGIN" in data
                         else [x509.load_der_x509_certificate(data)])
            except ValueError as exc:
                raise OpenIvanError("TRUST_STORE_INVALID", path=str(file)) from exc
            for cert in certs:
                (roots if cert.subject == cert.issuer else intermediates).append(cert)
        if not roots:
            raise OpenIvanError("TRUST_STORE_INVALID", path=str(directory))
        return cls(tuple(roots), tuple(intermediates))

    def issuer_crls(self) -> dict[x509.Name, tuple[str, ...]]:
        """The CRLs each issuer publishes, as the certificates of this store name them (a
        root's own distribution point, an intermediate's naming its issuer's): where a CA
        certificate that names no revocation source of its own is looked up. Read from the
        store, so every process answers alike."""
        found: dict[x509.Name, tuple[str, ...]] = {}
        for cert in (*self.roots, *self.intermediates):
            urls = facts(cert).crl_urls
            if urls:
                found.setdefault(cert.issuer, urls)
        return found


@dataclass(frozen=True)
class ValidChain:
    certificates: tuple[x509.Certificate, ...]  # leaf first, root last

    @property
    def leaf(self) -> x509.Certificate:
        return self.certificates[0]


class ChainValidator:
    """Builds and checks chains at a given time. Thread-safe; build once, reuse."""

    def __init__(self, store: TrustStore) -> None:
        self.store = store
        self._store = Store(list(store.roots))
        # Organisation certificates usually lack SubjectAlternativeName, which the WebPKI
        # leaf policy requires: permit any extensions, check key usage ourselves.
        self._ee_policy = ExtensionPolicy.permit_all()
        self._ca_policy = ExtensionPolicy.webpki_defaults_ca()
        self._cache: dict[tuple[x509.Certificate, tuple[x509.Certificate, ...]],
                          tuple[ValidChain, datetime, datetime]] = {}

    def validate(self, leaf: x509.Certificate, at: datetime,
                 extra: list[x509.Certificate] | tuple[x509.Certificate, ...] = ()) -> ValidChain:
        info = facts(leaf)
        if at < info.not_before:
            raise OpenIvanError("CERT_NOT_YET_VALID", not_before=info.not_before.isoformat())
        if at > info.not_after:
            raise OpenIvanError("CERT_EXPIRED", not_after=info.not_after.isoformat())
        if not info.can_sign:
            raise OpenIvanError("CERT_KEY_USAGE", key_usage=list(info.key_usage))
        key = (leaf, tuple(extra))
        cached = self._cache.get(key)
        if cached is not None and cached[1] <= at <= cached[2]:
            return cached[0]
        verifier = (
            PolicyBuilder().store(self._store).time(at).max_chain_depth(6)
            .extension_policies(ca_policy=self._ca_policy, ee_policy=self._ee_policy)
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(leaf, [*self.store.intermediates, *extra])
        except VerificationError as exc:
            raise OpenIvanError("CERT_UNTRUSTED", reason=str(exc)) from exc
        chain = ValidChain(tuple(verified.chain))
        # The same chain holds at any time inside every member's validity: later checks of
        # this leaf need only a comparison (the store is fixed for the validator's life).
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (chain, max(c.not_valid_before_utc for c in chain.certificates),
                            min(c.not_valid_after_utc for c in chain.certificates))
        return chain
