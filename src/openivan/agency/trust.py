"""The agency's verifier (trust store, revocation policy) and its own signing key, from settings.

The verifier is built once per process (it caches chains and revocation answers); the key
follows its file.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings

from openivan.core.errors import OpenIvanError
from openivan.core.signers.pkcs12 import Pkcs12Key
from openivan.core.verification import Verifier
from openivan.core.xmlsig import VerifyPolicy
from openivan.platform import cpu_slots, trust

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def verifier() -> Verifier:
    # While a CA's server is asked, or another thread asks it for this one, another request
    # computes (the intake verifies before its transaction opens, so the waiting request
    # holds no lock).
    chains, revocation = trust.certificate_checks(
        settings.OPENIVAN_TRUST_STORE, settings.OPENIVAN_REVOCATION, waiting=cpu_slots.waiting)
    return Verifier(chains, revocation, VerifyPolicy(allow_sha1=settings.OPENIVAN_ALLOW_SHA1),
                    max_bytes=settings.OPENIVAN_MAX_BODY_BYTES,
                    max_signature_age=timedelta(hours=settings.OPENIVAN_MAX_SIGNATURE_AGE_HOURS),
                    max_attachment_bytes=settings.OPENIVAN_MAX_ATTACHMENT_BYTES)


@dataclass(frozen=True)
class _LoadedKey:
    stamp: tuple[str, int, int, int]  # path, inode, size, mtime: the file it came from
    key: Pkcs12Key


_loaded: _LoadedKey | None = None
_unreadable: tuple[str, int, int, int] | None = None  # did not open: not tried again
_reported_invalid: tuple[str, int, int, int] | None = None  # its certificate: logged once
_loading = threading.Lock()


def agency_key() -> Pkcs12Key:
    """The key the agency signs its answers with (Chữ ký của cơ quan BHXH).

    Follows the file: a renewed key put in place of the old one signs from the next answer,
    with no restart (the processes would otherwise sign with the old certificate until it
    expires under them, while the monitor, which reads the file, shows all well). A file
    that does not open (being copied, the wrong password) leaves the loaded key signing,
    logged once, and the monitor says why. With no key, or one whose certificate is not
    valid now, answering is an outage (AGENCY_KEY_UNAVAILABLE), not a refusal of the
    caller's message."""
    path = settings.OPENIVAN_AGENCY_P12
    stamp = _stamp(path)
    loaded = _loaded
    if loaded is None or stamp not in (loaded.stamp, _unreadable):
        loaded = _load(path, stamp) or loaded
    if loaded is None:
        raise OpenIvanError("AGENCY_KEY_UNAVAILABLE")
    certificate = loaded.key.certificate
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        _report_invalid(loaded)
        raise OpenIvanError("AGENCY_KEY_UNAVAILABLE")
    return loaded.key


def _report_invalid(loaded: _LoadedKey) -> None:
    """Once per key, not at every refused request."""
    global _reported_invalid
    if _reported_invalid == loaded.stamp:
        return
    _reported_invalid = loaded.stamp
    certificate = loaded.key.certificate
    log.error("the agency's certificate (serial %x) is not valid now (%s to %s): no answer is "
              "signed until a valid key is installed", certificate.serial_number,
              certificate.not_valid_before_utc, certificate.not_valid_after_utc)


def _stamp(path: str) -> tuple[str, int, int, int]:
    try:
        status = os.stat(path)
    except OSError:
        return (path, 0, 0, 0)  # gone (a volume not mounted): tried once, as a bad file is
    return (path, status.st_ino, status.st_size, status.st_mtime_ns)


def _load(path: str, stamp: tuple[str, int, int, int]) -> _LoadedKey | None:
    global _loaded, _unreadable
    with _loading:
        if _loaded is not None and _loaded.stamp == stamp:
            return _loaded  # another thread loaded it meanwhile
        if _loaded is not None and _unreadable == stamp:
            return None  # another thread found it unreadable meanwhile
        try:
            key = Pkcs12Key.from_file(path, settings.OPENIVAN_AGENCY_P12_PASSWORD)
        except (OSError, OpenIvanError) as exc:
            _unreadable = stamp
            log.error("the agency's signing key %s cannot be loaded: %s%s "
                      "(openivan manage check --deploy)", path, exc,
                      "; the key loaded before still signs" if _loaded else "")
            return None
        if _loaded is not None:
            log.warning("the agency's signing key %s was replaced: certificate serial %x, "
                        "valid until %s, signs from now on", path, key.certificate.serial_number,
                        key.certificate.not_valid_after_utc)
        _loaded = _LoadedKey(stamp, key)
        return _loaded


def reset() -> None:
    """Forget the cached configuration (after settings change: tests, reloads)."""
    global _loaded, _unreadable, _reported_invalid
    verifier.cache_clear()
    _loaded = _unreadable = _reported_invalid = None
