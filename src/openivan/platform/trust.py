"""The checks a certificate goes through, from settings: the trust store's chains and the
revocation policy (`OPENIVAN_TRUST_STORE`, `OPENIVAN_REVOCATION`, the OCSP cache's size and
age). The agency's verifier and the provider's check of a unit's new certificate build them
here, so both judge a certificate the same way."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta

from django.conf import settings

from openivan.core.pki import ChainValidator, RevocationChecker, TrustStore
from openivan.core.pki.revocation import Waiting


def certificate_checks(
        directory: str, policy: str, *,
        waiting: Waiting = nullcontext,
) -> tuple[ChainValidator, RevocationChecker | None]:
    """Chains from the trust store in `directory`; revocation by `policy` ("off": none), with
    the CRLs the store carries. `waiting`: around each call to a CA's server (the agency's
    CPU slots: another request computes meanwhile)."""
    store = TrustStore.from_directory(directory)
    revocation = None if policy == "off" else RevocationChecker(
        policy, max_ocsp_age=timedelta(seconds=settings.OPENIVAN_OCSP_CACHE_SECONDS),
        max_ocsp_answers=settings.OPENIVAN_OCSP_CACHE_ENTRIES,
        waiting=waiting, issuer_crls=store.issuer_crls())
    return ChainValidator(store), revocation
