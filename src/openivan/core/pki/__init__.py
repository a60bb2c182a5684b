"""Certificates: facts (UID → MST/CMND/CCCD), chains, revocation (OCSP, CRL)."""

from openivan.core.pki.chain import ChainValidator, TrustStore
from openivan.core.pki.facts import CertificateFacts, facts, load_certificate, parse_uid
from openivan.core.pki.revocation import RevocationChecker, RevocationResult, Unreachable
from openivan.core.pki.validate import CertificateValidation, validate_certificate

__all__ = [
    "CertificateFacts", "CertificateValidation", "ChainValidator", "RevocationChecker",
    "RevocationResult", "TrustStore", "Unreachable", "facts", "load_certificate", "parse_uid",
    "validate_certificate",
]
