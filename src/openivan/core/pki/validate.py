"""One call that says whether a signer's certificate was good when it signed."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from openivan.core.errors import OpenIvanError
from openivan.core.pki.chain import ChainValidator, ValidChain
from openivan.core.pki.facts import CertificateFacts, facts
from openivan.core.pki.revocation import RevocationChecker, RevocationResult


@dataclass(frozen=True)
class CertificateValidation:
    facts: CertificateFacts
    chain: ValidChain
    revocation: tuple[RevocationResult, ...]  # leaf first, one per non-root certificate

    @property
    def evidence(self) -> list[dict[str, object]]:
        return [{"status": r.status, "source": r.source, "ref": r.evidence_ref,
                 "checked_at": r.checked_at.isoformat(), "soft_failed": r.soft_failed}
                for r in self.revocation]


def validate_certificate(
    cert: x509.Certificate, at: datetime, chains: ChainValidator,
    revocation: RevocationChecker | None,
    extra: list[x509.Certificate] | tuple[x509.Certificate, ...] = (),
) -> CertificateValidation:
    """Chain, validity and key usage at `at` (the signing time); revocation now.

    Revocation is checked now, not at the signing time: the signing time is the signer's own
    claim, so a key reported compromised refuses everything it signs from then on.
    """
    chain = chains.validate(cert, at, extra)
    results: list[RevocationResult] = []
    if revocation is not None:
        certs = chain.certificates
        for subject, issuer in itertools.pairwise(certs):
            result = revocation.check(subject, issuer)
            if result.status == "revoked":
                raise OpenIvanError(
                    "CERT_REVOKED", serial=format(subject.serial_number, "X"),
                    revoked_at=result.revoked_at.isoformat() if result.revoked_at else "?")
            results.append(result)
    return CertificateValidation(facts(cert), chain, tuple(results))
