"""Revocation: OCSP first, CRL as fall-back, results cached until their nextUpdate.

Policy `hard` refuses when neither source answers; `soft` accepts and says so. The evidence
(the DER OCSP response, or the CRL number and its URL) is returned so it can be stored with what
it was used to accept.

A CA certificate that names no source at all (some intermediates of real CAs do) is not a
source that did not answer: it is checked by its issuer's CRL when one is known (the issuer's
own distribution point when it is self-issued, or one the trust store's certificates name for
that issuer: `TrustStore.issuer_crls`, the same in every process), and otherwise passes with
"no revocation information" in its evidence. Policy `require` refuses it instead, as a source
that cannot answer (hard).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Hashable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Generic, Literal, TypeVar

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from openivan.core import bounded_http
from openivan.core.errors import OpenIvanError
from openivan.core.pki.facts import facts

log = logging.getLogger(__name__)
Policy = Literal["hard", "soft", "require"]
NO_INFORMATION = "none:no revocation information"
Fetch = Callable[[str, bytes | None], bytes]  # (url, body or None for GET) -> response body
_DER = serialization.Encoding.DER
_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
Waiting = Callable[[], AbstractContextManager[object]]
_T = TypeVar("_T")


@dataclass(frozen=True)
class RevocationResult:
    status: Literal["good", "revoked", "unknown"]
    source: Literal["ocsp", "crl", "none"]
    checked_at: datetime
    next_update: datetime | None
    evidence: bytes | None  # DER OCSP response, or DER CRL
    evidence_ref: str  # e.g. "ocsp:http://…" or "crl:http://… #12"
    # A CRL's SHA-256 (hex), taken once per fetched CRL: it can be megabytes and is shared by
    # every certificate its CA issued, so it is stored once under this digest. "" for OCSP.
    evidence_sha256: str = ""
    revoked_at: datetime | None = None
    soft_failed: bool = False
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class _CachedCrl:
    crl: x509.CertificateRevocationList
    der: bytes  # as fetched
    sha256: str  # of `der`, hex
    ref: str  # "crl:<url>#<CRL number>", the evidence's reference
    until: datetime
    # Looking a serial up in the CRL itself walks every entry: 6.2 ms per certificate in a
    # 100 000-entry CRL (3.5 MB), twice per dossier while OCSP is down. The set costs 74 ms
    # once per fetched CRL (measured on benchmarks/bench_evidence.py's CRL).
    revoked_serials: frozenset[int]


@dataclass
class _Flight(Generic[_T]):
    done: threading.Event = field(default_factory=threading.Event)
    result: _T | None = None
    error: BaseException | None = None


class _OneAsks(Generic[_T]):
    """Per key, one thread asks; the threads that want the same answer meanwhile wait for it
    and take it, or its failure.

    A provider's certificate countersigns all its dossiers and a CA's CRL proves every
    certificate it issued: when such an answer expires, every thread then verifying used to
    ask the CA at once (8 requests for one answer in a process of 8 threads), and each
    fetched and parsed its own copy of a CRL that can be megabytes."""

    def __init__(self, waiting: Waiting) -> None:
        self._waiting = waiting
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight[_T]] = {}

    def run(self, key: Hashable, ask: Callable[[], _T]) -> _T:
        with self._lock:
            flight = self._flights.get(key)
            asking = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not asking:
            with self._waiting():  # as on the network: a web request gives its turn back
                flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.result  # type: ignore[return-value]  # set when error is None
        try:
            flight.result = ask()
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()
        return flight.result


class _SourceDown(Exception):
    """This source did not give a usable answer: try the next one."""


class Unreachable(_SourceDown):
    """The responder or CRL server did not answer at all (network, timeout, HTTP error).

    A Fetch raises it; the checker then rests that URL for a while (RevocationChecker's
    `rest_unreachable`)."""


def http_fetch(timeout: float = 5.0, max_bytes: int = 64 * 2**20) -> Fetch:
    """GET (a CRL) or POST (an OCSP request) over HTTP.

    `timeout` bounds the whole answer, not only each read: a server that sends a byte now and
    then would otherwise hold the thread, and the threads waiting for the same answer, as long
    as it likes. `max_bytes` bounds what is read, after decompression (a national CA's CRL is
    tens of megabytes; an endless answer would fill the process's memory)."""
    client = bounded_http.client(timeout)

    def fetch(url: str, body: bytes | None) -> bytes:
        if not url.startswith(("http://", "https://")):
            raise Unreachable(f"unsupported URL {url}")
        request = (client.build_request("GET", url) if body is None else client.build_request(
            "POST", url, content=body, headers={"Content-Type": "application/ocsp-request"}))
        try:
            answer = bounded_http.exchange(client, request, timeout=timeout, max_bytes=max_bytes)
        except httpx.HTTPError as exc:
            raise Unreachable(f"{url}: {exc.__class__.__name__}") from exc
        except bounded_http.OutOfBounds as exc:
            raise Unreachable(f"{url}: {exc}") from exc
        if answer.status != 200:
            raise Unreachable(f"{url}: HTTP {answer.status}")
        return answer.body

    return fetch


class RevocationChecker:
    """Check one certificate against its issuer. Thread-safe; results are cached."""

    def __init__(self, policy: Policy = "hard", fetch: Fetch | None = None,
                 max_cache_age: timedelta = timedelta(hours=24),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 rest_unreachable: timedelta = timedelta(seconds=30),
                 max_ocsp_age: timedelta | None = None,
                 max_ocsp_answers: int = 20_000, waiting: Waiting = nullcontext,
                 issuer_crls: Mapping[x509.Name, tuple[str, ...]] | None = None) -> None:
        self.policy = policy
        self._fetch_url = fetch or http_fetch()
        # Around every wait, on a CA's server or on another thread asking it (the web's
        # cpu_slots.waiting: a request gives its turn to compute back meanwhile).
        self._waiting = waiting
        self._max_age = max_cache_age
        # An OCSP answer is about one certificate: how long a "good" is reused is how long a
        # revocation can go unseen, a policy of its own (zero: ask for every check).
        self._max_ocsp_age = max_cache_age if max_ocsp_age is None else max_ocsp_age
        # A responder that is down is not asked again for this long: without it every
        # certificate checked while OCSP is down waits for its failure before the CRL (two
        # failed requests per dossier, and the whole fetch timeout each when it hangs).
        self._rest = rest_unreachable
        self._resting: dict[str, datetime] = {}  # URL -> not asked before
        self._clock = clock
        self._lock = threading.Lock()
        # One answer per certificate checked, 1.7 KB each (a demo CA's; a real one's may carry
        # its responder's certificate too): unbounded, a process that checks the units of a
        # country would keep gigabytes. Past the bound the oldest answers go first.
        self._ocsp_cache: dict[tuple[x509.Certificate, int], RevocationResult] = {}
        self._max_answers = max(1, max_ocsp_answers)
        self._crl_cache: dict[str, _CachedCrl] = {}
        # CRL distribution points per issuer (TrustStore.issuer_crls): where a CA certificate
        # of that issuer that names none is looked up.
        self._issuer_crls = dict(issuer_crls or {})
        self._checking: _OneAsks[RevocationResult] = _OneAsks(waiting)
        self._fetching_crl: _OneAsks[_CachedCrl] = _OneAsks(waiting)

    def check(self, cert: x509.Certificate, issuer: x509.Certificate) -> RevocationResult:
        """A check that finds the same certificate's answer being asked by another thread
        takes that answer: it is no older than the request under way, even when answers are
        not reused at all (`max_ocsp_age` zero)."""
        key = (issuer, cert.serial_number)
        cached = self._cached_answer(key)
        if cached is not None:
            return cached
        return self._checking.run(key, lambda: self._ask(key, cert, issuer))

    def _cached_answer(self, key: tuple[x509.Certificate, int]) -> RevocationResult | None:
        with self._lock:
            cached = self._ocsp_cache.get(key)
        if cached is not None and cached.next_update and self._clock() < cached.next_update:
            return cached
        return None

    def _ask(self, key: tuple[x509.Certificate, int], cert: x509.Certificate,
             issuer: x509.Certificate) -> RevocationResult:
        cached = self._cached_answer(key)  # another thread's, stored since this one looked
        if cached is not None:
            return cached
        now = self._clock()
        problems: list[str] = []
        info = facts(cert)
        crl_urls = info.crl_urls
        if not crl_urls and not info.ocsp_urls and info.is_ca and self.policy != "require":
            crl_urls = self._known_crls(issuer)
            if not crl_urls:  # nothing to ask: not a source that failed
                return RevocationResult(
                    "unknown", "none", now, None, None, NO_INFORMATION,
                    problems=(f"CA certificate {info.serial} names no revocation source and "
                              "its issuer's CRL is not known: no revocation information",))
        sources = ((self._by_ocsp, info.ocsp_urls), (self._by_crl, crl_urls))
        for source, urls in sources:
            for url in urls:
                try:
                    result = source(url, cert, issuer, now)
                except _SourceDown as exc:
                    problems.append(str(exc))
                    continue
                if result.source == "ocsp":
                    self._remember(key, result)
                return result
        if not (info.ocsp_urls or info.crl_urls):
            problems.append(f"certificate {info.serial} names no OCSP responder and no CRL")
        if self.policy in ("hard", "require"):
            raise OpenIvanError("REVOCATION_UNAVAILABLE", problems=problems)
        return RevocationResult("unknown", "none", now, None, None, "", soft_failed=True,
                                problems=tuple(problems))

    def _known_crls(self, issuer: x509.Certificate) -> tuple[str, ...]:
        """The CRLs `issuer` publishes, as far as known: its own distribution point when it
        is self-issued (a root naming its CRL), or the trust store's for it."""
        if issuer.subject == issuer.issuer and facts(issuer).crl_urls:
            return facts(issuer).crl_urls
        return self._issuer_crls.get(issuer.subject, ())

    def _remember(self, key: tuple[x509.Certificate, int], result: RevocationResult) -> None:
        with self._lock:
            cache = self._ocsp_cache
            cache.pop(key, None)  # to the end: the oldest fetched go first
            cache[key] = result
            if len(cache) > self._max_answers:
                # Down to 90 %: the next eviction waits for a tenth of the bound of new
                # answers, rather than one for every answer.
                keep = max(1, self._max_answers * 9 // 10)
                for old in list(islice(cache, len(cache) - keep)):
                    del cache[old]

    def _fetch(self, url: str, body: bytes | None) -> bytes:
        now = self._clock()
        with self._lock:
            until = self._resting.get(url)
        if until is not None and now < until:
            raise _SourceDown(f"{url}: did not answer; not asked again before "
                              f"{until:%H:%M:%S} UTC")
        try:
            with self._waiting():
                return self._fetch_url(url, body)
        except Unreachable as exc:
            with self._lock:
                self._resting[url] = now + self._rest
            # Once per rest: the operators learn that a CA's service is down (with OCSP down
            # the CRL still answers, so nothing else shows it).
            log.warning("revocation source did not answer: %s; not asked again for %d s",
                        exc, self._rest.total_seconds())
            raise

    # ------------------------------------------------------------ OCSP

    def _by_ocsp(self, url: str, cert: x509.Certificate, issuer: x509.Certificate,
                 now: datetime) -> RevocationResult:
        request = (ocsp.OCSPRequestBuilder()
                   .add_certificate(cert, issuer, hashes.SHA1())
                   .build())
        body = self._fetch(url, request.public_bytes(_DER))
        try:
            response = ocsp.load_der_ocsp_response(body)
        except ValueError as exc:
            raise _SourceDown(f"{url}: unreadable OCSP response") from exc
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            raise _SourceDown(f"{url}: OCSP {response.response_status.name}")
        if response.serial_number != cert.serial_number:
            raise _SourceDown(f"{url}: OCSP answer for another certificate")
        self._check_ocsp_signature(response, issuer, url)
        next_update = response.next_update_utc or (now + timedelta(minutes=5))
        if response.this_update_utc > now + timedelta(minutes=5) or next_update < now:
            raise _SourceDown(f"{url}: OCSP response outside its validity")
        next_update = min(next_update, now + self._max_ocsp_age)
        status = response.certificate_status
        ref = f"ocsp:{url}"
        if status == ocsp.OCSPCertStatus.REVOKED:
            return RevocationResult("revoked", "ocsp", now, next_update, body, ref,
                                    revoked_at=response.revocation_time_utc)
        if status == ocsp.OCSPCertStatus.GOOD:
            return RevocationResult("good", "ocsp", now, next_update, body, ref)
        raise _SourceDown(f"{url}: OCSP status unknown")

    def _check_ocsp_signature(self, response: ocsp.OCSPResponse, issuer: x509.Certificate,
                              url: str) -> None:
        signer = issuer
        if not _names_responder(response, issuer):
            delegated = [c for c in response.certificates if _names_responder(response, c)]
            if not delegated:
                raise _SourceDown(f"{url}: OCSP responder certificate missing")
            signer = delegated[0]
            if signer.issuer != issuer.subject or not _verify(
                    issuer, signer.signature, signer.tbs_certificate_bytes,
                    signer.signature_hash_algorithm):
                raise _SourceDown(f"{url}: OCSP responder not issued by the CA")
            try:
                eku = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            except x509.ExtensionNotFound as exc:
                raise _SourceDown(f"{url}: OCSP responder lacks OCSPSigning") from exc
            if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
                raise _SourceDown(f"{url}: OCSP responder lacks OCSPSigning")
        if not _verify(signer, response.signature, response.tbs_response_bytes,
                       response.signature_hash_algorithm):
            raise _SourceDown(f"{url}: OCSP response signature invalid")

    # ------------------------------------------------------------ CRL

    def _by_crl(self, url: str, cert: x509.Certificate, issuer: x509.Certificate,
                now: datetime) -> RevocationResult:
        cached = self._crl(url, issuer, now)
        entry = (cached.crl.get_revoked_certificate_by_serial_number(cert.serial_number)
                 if cert.serial_number in cached.revoked_serials else None)
        return RevocationResult(
            "good" if entry is None else "revoked", "crl", now, cached.until, cached.der,
            cached.ref, cached.sha256, revoked_at=entry.revocation_date_utc if entry else None)

    def _crl(self, url: str, issuer: x509.Certificate, now: datetime) -> _CachedCrl:
        cached = self._cached_crl(url, now)
        if cached is not None:
            return cached
        return self._fetching_crl.run(url, lambda: self._fetch_crl(url, issuer, now))

    def _cached_crl(self, url: str, now: datetime) -> _CachedCrl | None:
        with self._lock:
            cached = self._crl_cache.get(url)
        return cached if cached is not None and now < cached.until else None

    def _fetch_crl(self, url: str, issuer: x509.Certificate, now: datetime) -> _CachedCrl:
        cached = self._cached_crl(url, now)  # another thread's, stored since this one looked
        if cached is not None:
            return cached
        der = self._fetch(url, None)
        try:
            crl = (x509.load_pem_x509_crl(der) if der.startswith(b"-----")
                   else x509.load_der_x509_crl(der))
        except ValueError as exc:
            raise _SourceDown(f"{url}: unreadable CRL") from exc
        issuer_key = issuer.public_key()
        if crl.issuer != issuer.subject or not crl.is_signature_valid(
            issuer_key  # type: ignore[arg-type]  # X25519/X448 keys cannot sign certificates
        ):
            raise _SourceDown(f"{url}: CRL not signed by the issuer")
        next_update = crl.next_update_utc
        if next_update is None or next_update < now:
            raise _SourceDown(f"{url}: CRL out of date")
        entry = _CachedCrl(crl, der, hashlib.sha256(der).hexdigest(),
                           f"crl:{url}#{_crl_number(crl)}", min(next_update, now + self._max_age),
                           frozenset(revoked.serial_number for revoked in crl))
        with self._lock:
            self._crl_cache[url] = entry
        return entry


def _names_responder(response: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return bool(response.responder_name == cert.subject)
    digest = hashes.Hash(hashes.SHA1())
    digest.update(_key_bits(cert))
    return response.responder_key_hash == digest.finalize()


def _key_bits(cert: x509.Certificate) -> bytes:
    # The hash is of the subjectPublicKey BIT STRING contents, without the unused-bits byte.
    from asn1crypto import keys

    spki = keys.PublicKeyInfo.load(cert.public_key().public_bytes(*_SPKI))
    return bytes(spki["public_key"].contents[1:])


def _verify(signer: x509.Certificate, signature: bytes, data: bytes,
            algorithm: hashes.HashAlgorithm | None) -> bool:
    key = signer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _crl_number(crl: x509.CertificateRevocationList) -> int | None:
    try:
        return int(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    except x509.ExtensionNotFound:
        return None

