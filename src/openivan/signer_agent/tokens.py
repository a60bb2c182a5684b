"""The tokens plugged into this computer, through every PKCS#11 module found, and their sessions.

Certificates are public objects: they are listed without a PIN. A PIN is only ever tried on the
token that holds the certificate asked for. One logged-in session per token is kept for at most
`session_seconds`, then logged out (a PKCS#11 token refuses a second login while one is open).
"""

from __future__ import annotations

import base64
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pkcs11
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.constants import TokenFlag

from openivan.core.errors import OpenIvanError
from openivan.core.pki import facts
from openivan.core.pki.facts import CertificateFacts
from openivan.core.signers.pkcs11 import Pkcs11Key
from openivan.signer_agent.errors import AgentError

# What a token that vanished mid-way raises, depending on the module and the moment.
_GONE = (p11.TokenNotPresent, p11.TokenNotRecognised, p11.DeviceRemoved, p11.SessionClosed,
         p11.SessionHandleInvalid, p11.SlotIDInvalid, p11.GeneralError, p11.DeviceError)


@dataclass(frozen=True)
class TokenCertificate:
    vendor: str
    module: str
    token_label: str
    token_serial: str
    object_id: bytes
    certificate: x509.Certificate

    @property
    def facts(self) -> CertificateFacts:
        return facts(self.certificate)

    @property
    def ident(self) -> str:
        """What pages name the certificate by: its SHA-256 thumbprint."""
        return self.facts.thumbprint_sha256

    @property
    def token_key(self) -> tuple[str, str]:
        return (self.module, self.token_serial)

    def as_dict(self) -> dict[str, object]:
        info = self.facts
        return {
            "id": self.ident, "subject": info.subject, "common_name": info.common_name,
            "tax_code": info.ids.tax_code, "cmnd": info.ids.cmnd, "cccd": info.ids.cccd,
            "passport": info.ids.passport,
            "serial": info.serial, "issuer": info.issuer,
            "not_before": info.not_before.isoformat(), "not_after": info.not_after.isoformat(),
            "expired": info.not_after < datetime.now(UTC),
            # The certificate itself (DER, base64), for a service to record what it will check.
            "certificate": base64.b64encode(
                self.certificate.public_bytes(serialization.Encoding.DER)).decode(),
            "token": {"label": self.token_label, "serial": self.token_serial,
                      "vendor": self.vendor},
        }


@dataclass
class _Session:
    session: Any
    expires_at: float
    in_use: int = 0  # a batch being signed: its end, not the clock, closes the session


class Tokens:
    def __init__(self, modules: list[tuple[str, str]], session_seconds: float) -> None:
        self.modules = modules
        self.session_seconds = session_seconds
        self.module_errors: dict[str, str] = {}
        self._libs: dict[str, Any] = {}
        self._sessions: dict[tuple[str, str], _Session] = {}
        self._lock = threading.RLock()  # PKCS#11 sessions are not shared between threads
        self._stop = threading.Event()
        threading.Thread(target=self._expire_loop, name="token-sessions", daemon=True).start()

    def _lib(self, module: str) -> Any | None:
        if module not in self._libs:
            try:
                self._libs[module] = pkcs11.lib(module)
            except (RuntimeError, OSError, p11.PKCS11Error) as exc:
                self.module_errors[module] = str(exc) or exc.__class__.__name__
                return None
        return self._libs[module]

    def _tokens(self) -> list[tuple[str, str, Any]]:
        found = []
        for vendor, module in self.modules:
            lib = self._lib(module)
            if lib is None:
                continue
            try:
                slots = lib.get_slots(token_present=True)
            except p11.PKCS11Error:
                continue
            for slot in slots:
                try:
                    token = slot.get_token()
                except p11.PKCS11Error:
                    continue  # removed while we looked
                if token.flags & TokenFlag.TOKEN_INITIALIZED:  # not an empty SoftHSM slot
                    found.append((vendor, module, token))
        return found

    def certificates(self) -> list[TokenCertificate]:
        with self._lock:
            found = []
            for vendor, module, token in self._tokens():
                serial = bytes(token.serial).decode("ascii", "replace").strip()
                try:
                    with token.open() as session:  # public session: no PIN
                        objects = list(session.get_objects(
                            {Attribute.CLASS: ObjectClass.CERTIFICATE}))
                        values = [(bytes(o[Attribute.ID]), bytes(o[Attribute.VALUE]))
                                  for o in objects]
                except p11.PKCS11Error:
                    continue
                for object_id, der in values:
                    try:
                        certificate = x509.load_der_x509_certificate(der)
                    except ValueError:
                        continue
                    if facts(certificate).is_ca:
                        continue  # the CA's certificates some vendors store beside the user's
                    found.append(TokenCertificate(vendor, module, str(token.label).strip(),
                                                  serial, object_id, certificate))
            return found

    def find(self, ident: str) -> TokenCertificate:
        listing = self.certificates()
        for each in listing:
            if each.ident == ident.upper():
                return each
        if not listing and not self._tokens():
            raise AgentError("TOKEN_ABSENT")
        raise AgentError("CERT_NOT_ON_TOKEN", certificate=ident[:16])

    def has_session(self, where: TokenCertificate) -> bool:
        with self._lock:
            live = self._sessions.get(where.token_key)
            return live is not None and live.expires_at > time.monotonic()

    def open_sessions(self) -> int:
        with self._lock:
            return len(self._sessions)

    def login(self, where: TokenCertificate, pin: str | None) -> None:
        """Log in to the token of `where` with `pin`, unless its session is still open.

        `pin=None` only checks the session: `SESSION_ENDED` when it is over (the window then
        asks the PIN).
        """
        with self._lock:
            live = self._sessions.get(where.token_key)
            if live is not None and live.expires_at > time.monotonic():
                return
            self._close(where.token_key)
            if pin is None:
                raise AgentError("SESSION_ENDED")
            self._sessions[where.token_key] = _Session(
                self._login(where, pin), time.monotonic() + self.session_seconds)

    @contextlib.contextmanager
    def signing_key(self, where: TokenCertificate) -> Iterator[Pkcs11Key]:
        """The key of `where` in its logged-in session, kept open until the block ends."""
        with self._lock:
            live = self._sessions.get(where.token_key)
            if live is None:
                raise AgentError("SESSION_ENDED")
            try:
                key = live.session.get_key(object_class=ObjectClass.PRIVATE_KEY,
                                           id=where.object_id)
            except (p11.NoSuchKey, p11.MultipleObjectsReturned) as exc:
                raise OpenIvanError("TOKEN_KEY_NOT_FOUND") from exc
            except _GONE as exc:
                self._close(where.token_key)
                raise OpenIvanError("TOKEN_NOT_FOUND", label=where.token_label) from exc
            live.in_use += 1
        try:
            yield Pkcs11Key(key, where.certificate)
        finally:
            with self._lock:
                live.in_use -= 1

    def forget(self, where: TokenCertificate) -> None:
        """Log out after the token failed (removed): the next signing asks the PIN again."""
        with self._lock:
            self._close(where.token_key)

    def _token_of(self, where: TokenCertificate) -> Any:
        for _vendor, module, token in self._tokens():
            serial = bytes(token.serial).decode("ascii", "replace").strip()
            if module == where.module and serial == where.token_serial:
                return token
        raise OpenIvanError("TOKEN_NOT_FOUND", label=where.token_label)

    def _login(self, where: TokenCertificate, pin: str) -> Any:
        token = self._token_of(where)
        try:
            return token.open(user_pin=pin)
        except (p11.PinIncorrect, p11.PinLenRange, p11.PinInvalid) as exc:
            raise AgentError("PIN_WRONG", tries_left=self._tries_left(where)) from exc
        except p11.PinLocked as exc:
            raise OpenIvanError("TOKEN_PIN_LOCKED") from exc
        except _GONE as exc:
            raise OpenIvanError("TOKEN_NOT_FOUND", label=where.token_label) from exc
        except p11.PKCS11Error as exc:
            raise OpenIvanError("TOKEN_ERROR", reason=exc.__class__.__name__) from exc

    def _tries_left(self, where: TokenCertificate) -> str:
        # PKCS#11 tells only "few" or "last"; the exact count is the vendor's secret.
        try:
            flags = self._token_of(where).flags
        except OpenIvanError:
            return "không rõ"
        if flags & TokenFlag.USER_PIN_LOCKED:
            return "0"
        if flags & TokenFlag.USER_PIN_FINAL_TRY:
            return "1 (lần cuối)"
        if flags & TokenFlag.USER_PIN_COUNT_LOW:
            return "ít"
        return "không rõ"

    def _close(self, token_key: tuple[str, str]) -> None:
        live = self._sessions.pop(token_key, None)
        if live is not None:
            with contextlib.suppress(p11.PKCS11Error):
                live.session.close()  # closing the last session logs the token out

    def _expire_loop(self) -> None:
        while not self._stop.wait(0.2):
            with self._lock:
                now = time.monotonic()
                for token_key in [k for k, s in self._sessions.items()
                                  if s.expires_at <= now and not s.in_use]:
                    self._close(token_key)

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            for token_key in list(self._sessions):
                self._close(token_key)
