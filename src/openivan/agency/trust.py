"""The agency's verifier (trust store, revocation policy) and its own signing key, from settings.

Built once per process: the verifier caches chains and revocation answers.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import lru_cache

from django.conf import settings

from openivan.conf import cpu_slots
from openivan.core.errors import OpenIvanError
from openivan.core.pki import ChainValidator, RevocationChecker, TrustStore
from openivan.core.pki.revocation import Fetch, http_fetch
from openivan.core.signers.pkcs12 import Pkcs12Key
from openivan.core.verification import Verifier
from openivan.core.xmlsig import VerifyPolicy

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def verifier() -> Verifier:
    policy = settings.OPENIVAN_REVOCATION
    revocation = None if policy == "off" else RevocationChecker(
        policy, fetch=_fetch_giving_the_slot_back(http_fetch()),
        max_ocsp_age=timedelta(seconds=settings.OPENIVAN_OCSP_CACHE_SECONDS),
        max_ocsp_answers=settings.OPENIVAN_OCSP_CACHE_ENTRIES)
    return Verifier(ChainValidator(TrustStore.from_directory(settings.OPENIVAN_TRUST_STORE)),
                    revocation, VerifyPolicy(allow_sha1=settings.OPENIVAN_ALLOW_SHA1),
                    max_bytes=settings.OPENIVAN_MAX_BODY_BYTES,
                    max_signature_age=timedelta(hours=settings.OPENIVAN_MAX_SIGNATURE_AGE_HOURS))


@lru_cache(maxsize=1)
def agency_key() -> Pkcs12Key:
    """The key the agency signs its answers with (Chữ ký của cơ quan BHXH).

    A key that cannot be loaded is an outage (AGENCY_KEY_UNAVAILABLE), not a refusal of the
    caller's message: nothing is cached, so the next call after the file is mended works."""
    path = settings.OPENIVAN_AGENCY_P12
    try:
        return Pkcs12Key.from_file(path, settings.OPENIVAN_AGENCY_P12_PASSWORD)
    except (OSError, OpenIvanError) as exc:
        log.error("the agency's signing key %s cannot be loaded: %s "
                  "(openivan manage check --deploy)", path, exc)
        raise OpenIvanError("AGENCY_KEY_UNAVAILABLE") from exc


def _fetch_giving_the_slot_back(fetch: Fetch) -> Fetch:
    """While a CA's responder or CRL server is asked, another request computes (the intake
    verifies before its transaction opens, so the waiting request holds no lock)."""
    def waiting_fetch(url: str, body: bytes | None) -> bytes:
        with cpu_slots.waiting():
            return fetch(url, body)
    return waiting_fetch


def reset() -> None:
    """Forget the cached configuration (after settings change: tests, reloads)."""
    verifier.cache_clear()
    agency_key.cache_clear()
