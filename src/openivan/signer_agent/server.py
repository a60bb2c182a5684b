"""The agent's HTTP API on 127.0.0.1 (docs/signer-agent.md).

Every answer is JSON. The Origin header decides who calls: CORS answers echo that one origin (no
wildcard), preflights are answered for any well-formed origin so a page can read the agent's
refusal, and every call but pairing is refused unless the user (or the administrator) approved
the origin. The Host header must name the loopback address, against DNS rebinding.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from openivan.core.errors import OpenIvanError
from openivan.signer_agent import VERSION
from openivan.signer_agent.approvals import ApprovalStore, check_origin
from openivan.signer_agent.config import Config
from openivan.signer_agent.documents import (
    Prepared,
    check_certificate,
    check_identity,
    prepare,
    sign_prepared,
)
from openivan.signer_agent.errors import AgentError, status_of
from openivan.signer_agent.tokens import TokenCertificate, Tokens
from openivan.signer_agent.ui import SigningRequest, Ui

PAIRING_WAIT_SECONDS = 20.0  # a poll for a pairing's answer is held open at most this long
# After the user refuses an origin, its pairing requests are refused without a window for this
# long: a hostile page cannot keep pushing the window in front of the user.
REFUSED_PAIRING_QUIET_SECONDS = 300.0


@dataclass
class Pairing:
    origin: str
    code: str
    state: str = "pending"  # approved | refused
    decided: threading.Event = field(default_factory=threading.Event)


class Agent:
    """What the HTTP handler works with: configuration, approvals, tokens, windows."""

    def __init__(self, config: Config, tokens: Tokens, ui: Ui) -> None:
        self.config = config
        self.tokens = tokens
        self.ui = ui
        self.approvals = ApprovalStore(config.state_dir / "approvals.json",
                                       config.preapproved_origins)
        self.pairings: dict[str, Pairing] = {}
        self.refused_until: dict[str, float] = {}
        self.has_window = False

    # ------------------------------------------------------------ pairing

    def pair(self, origin: str) -> dict[str, Any]:
        if self.approvals.is_approved(origin):
            return {"state": "approved"}
        if self.refused_until.get(origin, 0.0) > time.monotonic():
            raise AgentError("PAIRING_REFUSED", origin=origin)
        if not self.has_window:
            raise AgentError("AGENT_NO_WINDOW")
        if not self.ui.busy.acquire(blocking=False):
            raise AgentError("AGENT_BUSY")
        code = f"{secrets.randbelow(10**6):06d}"
        code = f"{code[:3]} {code[3:]}"
        pairing_id = secrets.token_urlsafe(16)
        pairing = self.pairings[pairing_id] = Pairing(origin, code)

        def ask() -> None:
            try:
                approved = self.ui.approve_origin(origin, code)
                if approved:
                    self.approvals.approve(origin)
                pairing.state = "approved" if approved else "refused"
                if not approved:
                    self.refused_until[origin] = time.monotonic() + REFUSED_PAIRING_QUIET_SECONDS
            except OpenIvanError:
                pairing.state = "refused"
            finally:
                pairing.decided.set()
                self.ui.busy.release()

        threading.Thread(target=ask, name="pairing", daemon=True).start()
        return {"state": "pending", "pairing": pairing_id, "code": code}

    def pairing_state(self, origin: str, pairing_id: str) -> dict[str, Any]:
        pairing = self.pairings.get(pairing_id)
        if pairing is None or pairing.origin != origin:
            raise AgentError("PAIRING_UNKNOWN")
        pairing.decided.wait(PAIRING_WAIT_SECONDS)
        if pairing.state == "refused":
            raise AgentError("PAIRING_REFUSED", origin=origin)
        return {"state": pairing.state}

    # ------------------------------------------------------------ certificates and signing

    def require_approved(self, origin: str) -> None:
        if not self.approvals.is_approved(origin):
            raise AgentError("ORIGIN_NOT_APPROVED", origin=origin)

    def certificates(self) -> dict[str, Any]:
        listing = self.tokens.certificates()
        sessions = {c.token_key for c in listing if self.tokens.has_session(c)}
        return {"certificates": [c.as_dict() | {"session_open": c.token_key in sessions}
                                 for c in listing]}

    def sign(self, origin: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        ident, documents = _signing_request(body, self.config.max_batch)
        where = self.tokens.find(ident)
        check_certificate(where)  # an expired certificate is refused before any PIN
        results: list[dict[str, Any]] = []
        accepted: list[tuple[int, Prepared]] = []
        for index, (doc_id, data) in enumerate(documents):
            try:
                prepared = prepare(data, self.config.max_document_bytes)
                check_identity(prepared, where)
            except OpenIvanError as exc:
                results.append({"id": doc_id, "ok": False, "error": exc.as_dict()})
                continue
            results.append({"id": doc_id, "ok": False, **prepared.as_dict()})
            accepted.append((index, prepared))
        if not accepted:
            first = next(r["error"] for r in results if "error" in r)
            return 422, {"error": first, "results": results}
        if not self.has_window:
            raise AgentError("AGENT_NO_WINDOW")
        if not self.ui.busy.acquire(blocking=False):
            raise AgentError("AGENT_BUSY")
        try:
            shown = time.monotonic()
            self.ui.confirm_signing(SigningRequest(
                origin, where, [p for _, p in accepted],
                needs_pin=not self.tokens.has_session(where),
                login=lambda pin: self._login(where, pin)))
            # Reported so a caller can tell the agent's own cost from the user's reading time.
            waited = time.monotonic() - shown
            self._sign_all(where, results, accepted)
        finally:
            self.ui.busy.release()
        return 200, {"results": results, "certificate": where.as_dict(),
                     "waited_for_user_seconds": round(waited, 4)}

    def _login(self, where: TokenCertificate, pin: str | None) -> None:
        self.tokens.login(where, pin)

    def _sign_all(self, where: TokenCertificate, results: list[dict[str, Any]],
                  accepted: list[tuple[int, Prepared]]) -> None:
        try:
            with self.tokens.signing_key(where) as key:
                for index, prepared in accepted:
                    signed = sign_prepared(prepared, key)
                    results[index] |= {"ok": True,
                                       "xml": base64.b64encode(signed).decode("ascii")}
        except OpenIvanError as exc:  # the token failed (removed): the rest is not signed
            self.tokens.forget(where)
            for index, _prepared in accepted:
                if not results[index]["ok"]:
                    results[index]["error"] = exc.as_dict()


def _signing_request(body: dict[str, Any],
                     max_batch: int) -> tuple[str, list[tuple[str, bytes]]]:
    ident = body.get("certificate")
    documents = body.get("documents")
    if not isinstance(ident, str) or not ident:
        raise AgentError("REQUEST_INVALID", reason="certificate")
    if not isinstance(documents, list) or not documents:
        raise AgentError("REQUEST_INVALID", reason="documents")
    if len(documents) > max_batch:
        raise AgentError("REQUEST_INVALID", reason=f"more than {max_batch} documents")
    decoded = []
    for n, each in enumerate(documents):
        if not isinstance(each, dict) or not isinstance(each.get("xml"), str):
            raise AgentError("REQUEST_INVALID", reason=f"documents[{n}].xml")
        try:
            data = base64.b64decode(each["xml"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AgentError("REQUEST_INVALID", reason=f"documents[{n}].xml: base64") from exc
        decoded.append((str(each.get("id", n)), data))
    return ident, decoded


class Handler(BaseHTTPRequestHandler):
    server: AgentServer
    protocol_version = "HTTP/1.1"
    server_version = f"openivan-signer/{VERSION}"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines may carry nothing secret, but nobody reads them: stay quiet

    # ------------------------------------------------------------ plumbing

    def _origin(self) -> str:
        return check_origin(self.headers.get("Origin"))

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        port = self.server.server_address[1]
        return host in (f"127.0.0.1:{port}", f"localhost:{port}")

    def _answer(self, status: int, payload: dict[str, Any], *, origin: str | None = None,
                extra: dict[str, str] | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Vary", "Origin")
        if origin:
            self.send_header("Access-Control-Allow-Origin", origin)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _fail(self, error: OpenIvanError, origin: str | None) -> None:
        self._answer(status_of(error), {"error": error.as_dict()}, origin=origin)

    def _body(self) -> dict[str, Any]:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError as exc:
            raise AgentError("REQUEST_INVALID", reason="Content-Length") from exc
        limit = self.server.agent.config.max_request_bytes
        if length > limit:
            self.close_connection = True  # the body is not read
            raise AgentError("REQUEST_TOO_LARGE", limit=limit)
        try:
            data = json.loads(self.rfile.read(length))
        except ValueError as exc:
            raise AgentError("REQUEST_INVALID", reason="JSON") from exc
        if not isinstance(data, dict):
            raise AgentError("REQUEST_INVALID", reason="JSON object expected")
        return data

    def _handle(self, method: str) -> None:
        origin: str | None = None
        try:
            if not self._host_ok():
                raise AgentError("REQUEST_INVALID", reason="Host")
            origin = self._origin()
            agent = self.server.agent
            path = self.path.split("?", 1)[0]
            if method == "GET" and path == "/v1/status":
                self._answer(200, {"agent": "openivan-signer", "version": VERSION,
                                   "approved": agent.approvals.is_approved(origin),
                                   "window": agent.has_window}, origin=origin)
            elif method == "POST" and path == "/v1/pair":
                self._answer(200, agent.pair(origin), origin=origin)
            elif method == "GET" and path.startswith("/v1/pair/"):
                self._answer(200, agent.pairing_state(origin, path.rsplit("/", 1)[1]),
                             origin=origin)
            elif method == "DELETE" and path == "/v1/approval":
                agent.require_approved(origin)
                agent.approvals.withdraw(origin)
                self._answer(200, {"state": "withdrawn"}, origin=origin)
            elif method == "GET" and path == "/v1/certificates":
                agent.require_approved(origin)
                self._answer(200, agent.certificates(), origin=origin)
            elif method == "POST" and path == "/v1/sign":
                agent.require_approved(origin)  # before the body is even read
                status, payload = agent.sign(origin, self._body())
                self._answer(status, payload, origin=origin)
            else:
                raise AgentError("NOT_FOUND", path=path[:100])
        except OpenIvanError as error:
            self._fail(error, origin)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_OPTIONS(self) -> None:
        """CORS preflight, with Chromium's private/local network access headers."""
        try:
            if not self._host_ok():
                raise AgentError("REQUEST_INVALID", reason="Host")
            origin = self._origin()
        except OpenIvanError as error:
            self._fail(error, None)
            return
        extra = {"Access-Control-Allow-Methods": "GET, POST, DELETE",
                 "Access-Control-Allow-Headers": "Content-Type",
                 "Access-Control-Max-Age": "600"}
        if self.headers.get("Access-Control-Request-Private-Network") == "true":
            extra["Access-Control-Allow-Private-Network"] = "true"
        if self.headers.get("Access-Control-Request-Local-Network") == "true":
            extra["Access-Control-Allow-Local-Network"] = "true"
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Vary", "Origin")
        self.send_header("Content-Length", "0")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()


class AgentServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a port another program holds is skipped, not shared

    def __init__(self, agent: Agent, port: int) -> None:
        self.agent = agent
        super().__init__(("127.0.0.1", port), Handler)


def bind(agent: Agent, ports: tuple[int, ...]) -> AgentServer:
    """Listen on the first free port of `ports` (127.0.0.1 only)."""
    last: OSError | None = None
    for port in ports:
        try:
            return AgentServer(agent, port)
        except OSError as exc:
            last = exc
    raise SystemExit(f"openivan-signer: no free port among {list(ports)}: {last}")
