"""A Vietnamese-style test and demo PKI: root → intermediate CA, OCSP responder, CRLs.

Built with certomancer from a generated configuration: units carry `UID=MST:<tax code>`,
individuals `UID=CMND:` or `UID=CCCD:`, like the certificates of VNPT-CA, Viettel-CA and the
others. `DevPKI.serve()` runs the CA's OCSP responder and CRL repository on loopback, with
switches to take either down (to test fall-back and the hard/soft-fail policy).

Used by the tests and by `make demo`; never by production code. Its libraries (certomancer,
PyYAML, aiohttp) are the package's `demo` extra: without them `DevPKI.create` stops with
`EXTRA_NOT_INSTALLED`.
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from openivan.core import extras

ARCH = "vn"
OCSP_ANSWER_REUSE_SECONDS = 60.0  # how long the responder serves an answer it signed
VALID_NOW = ("2025-01-01T00:00:00+0000", "2030-01-01T00:00:00+0000")

# label -> (subject attributes, key label, validity or None, extra spec)
LEAF_SUBJECTS: dict[str, dict[str, str]] = {
    "unit": {"common-name": "CÔNG TY TNHH GIẢI PHÁP MỞ", "user-id": "MST:0101300842"},
    "unit-branch": {"common-name": "CHI NHÁNH HÀ NỘI - CÔNG TY TNHH GIẢI PHÁP MỞ",
                    "user-id": "MST:0101300842-001"},
    "unit2": {"common-name": "CÔNG TY CỔ PHẦN THỬ NGHIỆM", "user-id": "MST:0100047516"},
    "provider": {"common-name": "CÔNG TY CỔ PHẦN I-VAN MỞ", "user-id": "MST:0100109106"},
    "agency": {"common-name": "BẢO HIỂM XÃ HỘI VIỆT NAM", "user-id": "MST:0100232004"},
    "person-cccd": {"common-name": "NGUYỄN VĂN AN", "user-id": "CCCD:001090000001"},
    "person-cmnd": {"common-name": "TRẦN THỊ BÌNH", "user-id": "CMND:012345678"},
}
SIGNING_USAGE = ["digital_signature", "non_repudiation"]


def _leaf(issuer: str, *, validity: tuple[str, str] = VALID_NOW,
          usage: list[str] | None = None, revoked: str | None = None,
          subject: str | None = None, key: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "issuer": issuer,
        "validity": {"valid-from": validity[0], "valid-to": validity[1]},
        "extensions": [
            {"id": "key_usage", "critical": True,
             "smart-value": {"schema": "key-usage", "params": usage or SIGNING_USAGE}},
            {"id": "crl_distribution_points",
             "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [issuer]}}},
            {"id": "authority_information_access",
             "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": [issuer]}}},
        ],
    }
    if subject:
        spec["subject"] = subject
    if key:
        spec["subject-key"] = key
    if revoked:
        spec["revocation"] = {"revoked-since": revoked, "reason": "key_compromise"}
    return spec


def _ca(issuer: str, validity: tuple[str, str], path_len: int | None) -> dict[str, Any]:
    constraints: dict[str, Any] = {"ca": True}
    if path_len is not None:
        constraints["path-len-constraint"] = path_len
    spec: dict[str, Any] = {
        "issuer": issuer,
        "validity": {"valid-from": validity[0], "valid-to": validity[1]},
        "extensions": [
            {"id": "basic_constraints", "critical": True, "value": constraints},
            {"id": "key_usage", "critical": True, "smart-value": {
                "schema": "key-usage",
                "params": ["digital_signature", "key_cert_sign", "crl_sign"]}},
        ],
    }
    if path_len is not None:  # an intermediate: revocable through its issuer's CRL
        spec["extensions"].append({"id": "crl_distribution_points", "smart-value": {
            "schema": "crl-dist-url", "params": {"crl-repo-names": [issuer]}}})
    return spec


def extra_unit(n: int) -> str:
    """The label of the unit's n-th extra certificate (`DevPKI.create(extra_units=…)`)."""
    return f"unit-extra-{n:03d}"


def build_config(url_prefix: str, extra_units: int = 0) -> dict[str, Any]:
    keys = ["root", "interm", "interm-ocsp", "rogue-root", *LEAF_SUBJECTS, "other",
            "interm-bare"]
    certs: dict[str, Any] = {
        "root": {**_ca("root", ("2020-01-01T00:00:00+0000", "2045-01-01T00:00:00+0000"), None),
                 "subject": "root", "subject-key": "root"},
        "interm": _ca("root", ("2020-01-01T00:00:00+0000", "2040-01-01T00:00:00+0000"), 0),
        "interm-ocsp": {
            "issuer": "interm",
            "validity": {"valid-from": "2020-01-01T00:00:00+0000",
                         "valid-to": "2040-01-01T00:00:00+0000"},
            "extensions": [
                {"id": "key_usage", "critical": True,
                 "smart-value": {"schema": "key-usage", "params": ["digital_signature"]}},
                {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                {"id": "ocsp_no_check"},
            ],
        },
        "rogue-root": {**_ca("rogue-root", ("2020-01-01T00:00:00+0000",
                                           "2045-01-01T00:00:00+0000"), None),
                       "subject": "rogue-root", "subject-key": "rogue-root"},
        **{label: _leaf("interm") for label in LEAF_SUBJECTS},
        "unit-revoked": _leaf("interm", subject="unit", key="other",
                              revoked="2026-01-01T00:00:00+0000"),
        "unit-expired": _leaf("interm", subject="unit", key="other",
                              validity=("2020-01-01T00:00:00+0000", "2022-01-01T00:00:00+0000")),
        "unit-future": _leaf("interm", subject="unit", key="other",
                             validity=("2035-01-01T00:00:00+0000", "2038-01-01T00:00:00+0000")),
        "unit-encipher-only": _leaf("interm", subject="unit", key="other",
                                    usage=["key_encipherment"]),
        "unit-untrusted": _leaf("rogue-root", subject="unit", key="other"),
        # Last, so the certificates above keep their serial numbers (a kept demo PKI).
        "provider-renewed": _leaf("interm", subject="provider", key="other"),
        "agency-renewed": _leaf("interm", subject="agency", key="other"),
        "agency-expired": _leaf("interm", subject="agency", key="other",
                                validity=("2020-01-01T00:00:00+0000", "2022-01-01T00:00:00+0000")),
        # An intermediate that names no revocation source (some real CAs' do), and a unit
        # certificate it issued (which names its own OCSP responder and CRL).
        "interm-bare": {**_ca("root", ("2020-01-01T00:00:00+0000",
                                       "2040-01-01T00:00:00+0000"), None),
                        "subject": "interm-bare", "subject-key": "interm-bare"},
        "unit-bare-ca": _leaf("interm-bare", subject="unit", key="other"),
        # The unit's renewed certificate (same MST, another key): a change (05/SĐ-IVAN) moves
        # the unit's e-transactions to it.
        "unit-renewed": _leaf("interm", subject="unit", key="other"),
        # The person of `person-cccd` with a revoked and with an expired certificate (the
        # portal's automatic processing refuses both).
        "person-cccd-revoked": _leaf("interm", subject="person-cccd", key="other",
                                     revoked="2026-01-01T00:00:00+0000"),
        "person-cccd-expired": _leaf("interm", subject="person-cccd", key="other",
                                     validity=("2020-01-01T00:00:00+0000",
                                               "2022-01-01T00:00:00+0000")),
        # Certificates of as many units as a benchmark needs (its OCSP answers are asked for
        # each: as for units not seen before), all with the unit's key: none is generated.
        **{extra_unit(n): _leaf("interm", subject="unit", key="unit")
           for n in range(extra_units)},
    }
    entities = {
        "root": {"common-name": "OpenIVAN Demo Root CA", "organization-name": "OpenIVAN Test"},
        "interm": {"common-name": "OpenIVAN Demo CA", "organization-name": "OpenIVAN Test"},
        "interm-ocsp": {"common-name": "OpenIVAN Demo CA OCSP",
                        "organization-name": "OpenIVAN Test"},
        "rogue-root": {"common-name": "Rogue Root CA", "organization-name": "Nobody"},
        "interm-bare": {"common-name": "OpenIVAN Demo CA 2", "organization-name": "OpenIVAN Test"},
        **LEAF_SUBJECTS,
        "other": {"common-name": "unused"},
    }
    return {
        "external-url-prefix": url_prefix,
        "keysets": {ARCH: {"path-prefix": "keys",
                           "keys": {k: {"path": f"{k}.key.pem"} for k in keys}}},
        "pki-architectures": {ARCH: {
            "keyset": ARCH,
            "entity-defaults": {"country-name": "VN"},
            "entities": entities,
            "certs": certs,
            "services": {
                "ocsp": {
                    "interm": {"for-issuer": "interm", "responder-cert": "interm-ocsp",
                               "signing-key": "interm-ocsp"},
                    "rogue-root": {"for-issuer": "rogue-root", "responder-cert": "rogue-root",
                                   "signing-key": "rogue-root"},
                    "interm-bare": {"for-issuer": "interm-bare", "responder-cert": "interm-bare",
                                    "signing-key": "interm-bare"},
                },
                "crl-repo": {
                    "root": {"for-issuer": "root", "signing-key": "root",
                             "simulated-update-schedule": "P7D"},
                    "interm": {"for-issuer": "interm", "signing-key": "interm",
                               "simulated-update-schedule": "P1D"},
                    "rogue-root": {"for-issuer": "rogue-root", "signing-key": "rogue-root",
                                   "simulated-update-schedule": "P7D"},
                    "interm-bare": {"for-issuer": "interm-bare", "signing-key": "interm-bare",
                                    "simulated-update-schedule": "P1D"},
                },
            },
        }},
    }


def _write_keys(directory: Path, labels: list[str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for label in labels:
        path = directory / f"{label}.key.pem"
        if path.exists():
            continue
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))


def _free_socket(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    return sock


@dataclass
class DevPKI:
    directory: Path
    url: str
    _sock: socket.socket | None = None
    _arch: Any = None
    ocsp_up: bool = True
    crl_up: bool = True
    ocsp_hangs: float = 0.0  # seconds the OCSP responder waits before answering
    requests: list[str] = field(default_factory=list)
    # Served instead of certomancer's CRL of that issuer (e.g. one as long as a national CA's).
    crl_override: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def create(cls, directory: str | Path, port: int | None = None,
               extra_units: int = 0) -> DevPKI:
        """Keys in `directory`/keys (kept, so a demo PKI survives restarts), config in memory.

        The URLs inside the certificates name the port the PKI will be served on.
        `extra_units`: that many more certificates of the unit (`extra_unit(n)`).
        """
        extras.require("demo")
        import yaml
        from certomancer.registry import CertomancerConfig

        directory = Path(directory)
        sock = None
        if port is None:
            sock = _free_socket()
            port = sock.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        config_dict = build_config(url, extra_units)
        _write_keys(directory / "keys", list(config_dict["keysets"][ARCH]["keys"]))
        # Certificates are numbered in file order: keep it, and load what other servers load
        # (the CSC test server reads the same file), so both issue identical certificates.
        config_file = directory / "certomancer.yml"
        config_file.write_text(yaml.safe_dump(config_dict, allow_unicode=True, sort_keys=False))
        config = CertomancerConfig.from_file(str(config_file))
        pki = cls(directory, url, sock)
        pki._arch = config.get_pki_arch(ARCH)
        return pki

    def asked(self, service: str) -> int:
        """How many requests reached the OCSP responder (`"ocsp"`) or the CRLs (`"crls"`)."""
        return sum(f"/{service}/" in path for path in self.requests)

    # ------------------------------------------------------------ material

    def certificate(self, label: str) -> x509.Certificate:
        return x509.load_der_x509_certificate(self._arch.get_cert(label).dump())

    def private_key_pem(self, label: str) -> bytes:
        spec = self._arch.get_cert_spec(label)
        return (self.directory / "keys" / f"{spec.subject_key}.key.pem").read_bytes()

    def private_key(self, label: str) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.private_key_pem(label), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def chain(self, label: str) -> list[x509.Certificate]:
        return [self.certificate(c) for c in self._arch.get_chain(label)]

    def pkcs12(self, label: str, password: str) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            label.encode(), self.private_key(label), self.certificate(label),
            self.chain(label), serialization.BestAvailableEncryption(password.encode()))

    def pkcs12_key(self, label: str) -> Any:
        from openivan.core.signers.pkcs12 import Pkcs12Key

        return Pkcs12Key(self.private_key(label), self.certificate(label), self.chain(label))

    def write_trust_store(self, directory: str | Path, *, roots: tuple[str, ...] = ("root",),
                          intermediates: tuple[str, ...] = ("interm",)) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for label in (*roots, *intermediates):
            (directory / f"{label}.pem").write_bytes(
                self.certificate(label).public_bytes(serialization.Encoding.PEM))
        return directory

    def crl_listing(self, issuer: str, revoked: int) -> bytes:
        """A DER CRL of `issuer` that lists `revoked` made-up serial numbers (none of them a
        certificate of this PKI), valid for a day: for `crl_override`. Serials and dates are
        random, as a real CA's (sequential ones would compress far better than real CRLs)."""
        now = datetime.now(UTC).replace(microsecond=0)
        draw = random.Random(revoked)  # the same serials for the same length
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(self.certificate(issuer).subject)
                   .last_update(now).next_update(now + timedelta(days=1))
                   .add_extension(x509.CRLNumber(1), critical=False))
        for _ in range(revoked):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(2**126 | draw.getrandbits(126))
                .revocation_date(now - timedelta(seconds=draw.randrange(1, 5 * 365 * 86400)))
                .build())
        return builder.sign(self.private_key(issuer), hashes.SHA256()).public_bytes(
            serialization.Encoding.DER)

    # ------------------------------------------------------------ serving

    @contextmanager
    def serve(self) -> Iterator[DevPKI]:
        """Serve OCSP and CRLs on the URL in the certificates, in a background thread."""
        from aiohttp import web
        from certomancer.integrations._animator_shared import FAKE_TIME_HEADER
        from certomancer.integrations.aiohttp_animator import build_animator_app

        @web.middleware
        async def switches(request: web.Request, handler: Any) -> web.StreamResponse:
            self.requests.append(request.path)
            if "/ocsp/" in request.path and self.ocsp_hangs:
                await asyncio.sleep(self.ocsp_hangs)
            if "/ocsp/" in request.path and not self.ocsp_up:
                raise web.HTTPServiceUnavailable()
            if "/crls/" in request.path and not self.crl_up:
                raise web.HTTPServiceUnavailable()
            for label, der in self.crl_override.items():
                if f"/crls/{label}/" in request.path:
                    return web.Response(body=der, content_type="application/pkix-crl")
            # certomancer writes fractional seconds into OCSP times, which strict DER parsers
            # (cryptography) refuse; real responders use whole seconds, so the test PKI does too.
            now = datetime.now(UTC).replace(microsecond=0).isoformat()
            request = request.clone(headers={**request.headers, FAKE_TIME_HEADER: now})
            if "/ocsp/" in request.path:
                return await answered_ahead(request, handler)
            return await handler(request)

        answers: dict[tuple[str, bytes], tuple[float, bytes]] = {}

        async def answered_ahead(request: web.Request, handler: Any) -> web.StreamResponse:
            # Real responders sign their answers ahead and serve them for a while; certomancer
            # signs each one in Python (~50 ms), which made the PKI the bottleneck of any
            # benchmark asking it for every dossier. The same question within a minute gets
            # the same answer (a revocation shows within that minute).
            key, moment = (request.path, await request.read()), time.monotonic()
            if key in answers and moment - answers[key][0] < OCSP_ANSWER_REUSE_SECONDS:
                return web.Response(body=answers[key][1],
                                    content_type="application/ocsp-response")
            response = await handler(request)
            if response.status == 200 and isinstance(response, web.Response) and response.body:
                answers[key] = (moment, bytes(response.body))
            return response

        app = build_animator_app({self._arch.arch_label: self._arch}, with_web_ui=False)
        app.middlewares.insert(0, switches)
        # The port the certificates name (a demo PKI created with a fixed port binds it now).
        sock, self._sock = self._sock or _free_socket(int(self.url.rsplit(":", 1)[1])), None
        with serve_app(app, sock):
            yield self


@contextmanager
def serve_app(app: Any, sock: socket.socket | None = None) -> Iterator[str]:
    """Serve an aiohttp application on loopback in a background thread; yield its base URL."""
    from aiohttp import web

    sock = sock or _free_socket()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, sock).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="loopback-server", daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("loopback server did not start")
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
