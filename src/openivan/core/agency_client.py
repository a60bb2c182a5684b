"""The provider's side of the agency's intake API (Cổng tiếp nhận hồ sơ điện tử của BHXH).

What an I-VAN provider's sending job, "Tra cứu" and "Tải lại" need, without Django: send a
signed dossier (`Hoso`) under its Idempotency-Key, fetch its status and answers, fetch its
processing steps. Every answer the agency gives is checked before it is believed: its
signature in `CKy_BHXH` over the whole document, made by one of the agency's certificates the
provider pinned (several during a key rotation). The signed bytes are kept as received.

Failures are of two kinds, and the caller must tell them apart: the agency could not be
reached or is busy (`AGENCY_UNREACHABLE`: send the same bytes again later — the
Idempotency-Key makes a second arrival a replay, not a second dossier), or it refused the
message (`AGENCY_REFUSED`, with its own code and reason, and its signed technical answer when
it gave one: sending it again changes nothing).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from openivan.core import bounded_http
from openivan.core.errors import OpenIvanError
from openivan.core.xml.safe import parse_untrusted
from openivan.core.xmlsig.verify import verify

AGENCY_SLOT = "CKy_BHXH"  # where the agency signs its answers
# Statuses after which the same request may succeed: the agency's outages (503 with
# Retry-After), its rate limit, and a proxy in front of it that lost its upstream.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
MAX_ANSWER_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class AgencyAnswer:
    """One of the agency's signed answers (thông báo), checked, with its bytes as received."""

    kind: str  # technical, reception, decision
    result: str  # e.g. ChapNhanXuLy, DaTiepNhan, ChapNhan, TuChoi
    data: dict[str, Any]
    signed_xml: bytes
    signed_at: datetime | None


@dataclass(frozen=True)
class Reception:
    """The agency's view of a dossier: Số hồ sơ, its status and every answer so far."""

    number: str
    status: str
    received_at: datetime
    decision_deadline: datetime
    created: bool  # False: these bytes (or this Idempotency-Key) had arrived before
    answers: list[AgencyAnswer] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """A processing step (Tra cứu): when, its code, what happened."""

    at: datetime
    code: str
    description: str


class AgencyClient:
    """The intake API of one agency, for one provider (its API key)."""

    def __init__(self, base_url: str, api_key: str, agency_certificates: list[x509.Certificate],
                 *, timeout: float = 30.0, http: httpx.Client | None = None) -> None:
        if not agency_certificates:
            raise ValueError("at least one agency certificate is needed to check its answers")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._key = api_key
        self._pinned = {c.fingerprint(hashes.SHA256()) for c in agency_certificates}
        self._http = http or bounded_http.client(timeout)

    def close(self) -> None:
        self._http.close()

    def submit(self, signed_dossier: bytes, idempotency_key: str) -> Reception:
        """Send a signed `Hoso`. The same key (or the same bytes) a second time is answered
        with the first reception: safe to repeat after any failure."""
        status, body = self._call("POST", "/api/v1/dossiers", content=signed_dossier, headers={
            "content-type": "application/xml", "idempotency-key": idempotency_key})
        return self._reception(body, created=status == 201)

    def dossier(self, number: str) -> Reception:
        """Tải lại: the dossier's status and answers."""
        _, body = self._call("GET", f"/api/v1/dossiers/{number}")
        return self._reception(body, created=False)

    def steps(self, number: str) -> list[Step]:
        """Tra cứu: the processing steps with their times."""
        _, body = self._call("GET", f"/api/v1/dossiers/{number}/steps")
        data = _json(body)
        try:
            return [Step(datetime.fromisoformat(s["at"]), s["code"], s["description"])
                    for s in data]
        except (KeyError, TypeError, ValueError) as exc:
            raise OpenIvanError("AGENCY_ANSWER_INVALID", reason=f"steps: {exc}") from exc

    def providers(self) -> list[tuple[str, str]]:
        """The agency's list of I-VAN providers: (MaIVAN, name)."""
        _, body = self._call("GET", "/api/v1/providers")
        try:
            return [(str(p["code"]), str(p["name"])) for p in _json(body)]
        except (KeyError, TypeError) as exc:
            raise OpenIvanError("AGENCY_ANSWER_INVALID", reason=f"providers: {exc}") from exc

    def check_answer(self, signed_xml: bytes) -> datetime | None:
        """Raise unless `signed_xml` is signed in CKy_BHXH by a pinned agency certificate;
        the signing time it covers."""
        checked = verify(parse_untrusted(signed_xml, MAX_ANSWER_BYTES), slot=AGENCY_SLOT)
        if checked.certificate.fingerprint(hashes.SHA256()) not in self._pinned:
            raise OpenIvanError("AGENCY_ANSWER_UNTRUSTED",
                                subject=checked.certificate.subject.rfc4514_string())
        return checked.signing_time

    def _call(self, method: str, path: str, **kwargs: Any) -> tuple[int, bytes]:
        headers = {"authorization": f"Bearer {self._key}", "accept": "application/json",
                   **kwargs.pop("headers", {})}
        request = self._http.build_request(method, self.base_url + path, headers=headers,
                                           **kwargs)
        try:
            answer = bounded_http.exchange(self._http, request, timeout=self.timeout,
                                           max_bytes=MAX_ANSWER_BYTES)
        except (httpx.HTTPError, bounded_http.OutOfBounds) as exc:
            raise OpenIvanError("AGENCY_UNREACHABLE", reason=_reason(exc)) from exc
        if answer.status in RETRYABLE_STATUSES:
            raise OpenIvanError("AGENCY_UNREACHABLE", reason=f"HTTP {answer.status}",
                                status=answer.status, **_agency_error(answer.body))
        if answer.status >= 400:
            raise self._refused(answer)
        return answer.status, answer.body

    def _refused(self, answer: bounded_http.Answer) -> OpenIvanError:
        details = _agency_error(answer.body)
        error = OpenIvanError("AGENCY_REFUSED", status=answer.status, **details)
        technical = _json_or_empty(answer.body).get("technical_answer_xml_base64")
        if technical:  # kept only if it is the agency's: a refusal is evidence too
            xml = _b64(technical)
            self.check_answer(xml)
            error.attachments["technical_answer_xml"] = xml
        return error

    def _reception(self, body: bytes, *, created: bool) -> Reception:
        data = _json(body)
        try:
            answers = [self._answer(a) for a in data["answers"]]
            return Reception(
                number=data["number"], status=data["status"], created=created,
                received_at=datetime.fromisoformat(data["received_at"]),
                decision_deadline=datetime.fromisoformat(data["decision_deadline"]),
                answers=answers)
        except (KeyError, TypeError, ValueError) as exc:
            raise OpenIvanError("AGENCY_ANSWER_INVALID", reason=f"dossier: {exc!r}") from exc

    def _answer(self, item: dict[str, Any]) -> AgencyAnswer:
        xml = _b64(item["xml_base64"])
        signed_at = self.check_answer(xml)
        return AgencyAnswer(kind=item["kind"], result=item["result"], data=item["data"],
                            signed_xml=xml, signed_at=signed_at)


def is_retryable(error: OpenIvanError) -> bool:
    """Whether sending the same bytes again later may succeed."""
    return error.code == "AGENCY_UNREACHABLE"


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "không kết nối được / connection refused"
    if isinstance(exc, httpx.TimeoutException | bounded_http.OutOfBounds):
        return "quá thời gian chờ / timed out"
    return type(exc).__name__


def _agency_error(body: bytes) -> dict[str, str]:
    data = _json_or_empty(body)
    return {"agency_code": str(data.get("code") or "HTTP_ERROR"),
            "agency_message": str(data.get("message") or "")[:2000]}


def _json_or_empty(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise OpenIvanError("AGENCY_ANSWER_INVALID", reason="not JSON") from exc


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise OpenIvanError("AGENCY_ANSWER_INVALID", reason="base64") from exc
