"""The intake API for I-VAN providers: send a signed envelope, read its answers and steps."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.timezone import localtime
from ninja import Router, Schema, Status
from ninja.security import HttpBearer

from openivan.agency import services
from openivan.agency.models import Answer, AnswerKind, Dossier, IvanProvider
from openivan.core.errors import OUTAGES, OpenIvanError
from openivan.platform.schemas import errors


class ProviderKey(HttpBearer):
    """`Authorization: Bearer <key id>.<secret>`, the key given when the provider was registered."""

    def authenticate(self, request: HttpRequest, token: str) -> IvanProvider:
        provider = services.authenticate(token)
        services.check_rate(provider)
        return provider


router = Router(tags=["dossiers"], auth=ProviderKey())


class AnswerOut(Schema):
    kind: str
    result: str
    data: dict[str, Any]
    xml_base64: str  # the signed XML, as the agency signed it


class DossierOut(Schema):
    number: str
    status: str
    received_at: str
    decision_deadline: str
    answers: list[AnswerOut]


class StepOut(Schema):
    at: str
    code: str
    description: str


def dossier_out(dossier: Dossier, answers: list[Answer] | None = None) -> dict[str, Any]:
    return {
        "number": dossier.number,
        "status": dossier.status,
        "received_at": localtime(dossier.received_at).isoformat(),
        "decision_deadline": localtime(dossier.decision_deadline).isoformat(),
        "answers": [{"kind": a.kind, "result": a.result, "data": a.data,
                     "xml_base64": services.encode_xml(bytes(a.signed_xml))}
                    for a in (dossier.answers.all() if answers is None else answers)],
    }


@router.post("/dossiers", response={200: DossierOut, 201: DossierOut, **errors(413, 415, 422)},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/xml": {"schema": {"type": "string", "format": "binary"}}}}})
def submit_dossier(request: HttpRequest) -> Status:
    """Send a Hoso as I-VAN software writes it: signed by the unit (CKy_Dvi, and each
    attached declaration in its Cky), countersigned by the provider (CKy_IVAN) when the agency
    registered it so.

    An optional `Idempotency-Key` header (1-64 of A-Z a-z 0-9 . _ : -) names the message;
    without it the SHA-256 of the body does, and the answers' MaGiaoDich is that name.
    201: a new dossier with its technical and reception answers (a procedure the agency does
    not process is received too, for an officer). 200: these bytes, or this key (even signed
    again), were received before; the original answers come back. 4xx: refused, nothing
    stored.
    """
    provider = request.auth  # type: ignore[attr-defined]
    try:
        _uncompressed(request)
        outcome = services.receive(provider, request.body,
                                   request.headers.get("Idempotency-Key"))
    except OpenIvanError as exc:
        if exc.code not in OUTAGES:  # a refusal of the message, signed
            exc.attachments["technical_answer_xml_base64"] = services.encode_xml(
                services.refusal(exc, provider.code))
        raise
    return Status(201 if outcome.created else 200,
                  dossier_out(outcome.dossier, outcome.answers))


def _uncompressed(request: HttpRequest) -> None:
    """A compressed body would otherwise be refused as malformed XML, which sends the
    provider looking in the wrong place."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise OpenIvanError("CONTENT_ENCODING_UNSUPPORTED", encoding=encoding)


def _own_dossier(request: HttpRequest, number: str) -> Dossier:
    dossier = Dossier.objects.filter(number=number, provider=request.auth).first()  # type: ignore[attr-defined]
    if dossier is None:
        raise OpenIvanError("DOSSIER_NOT_FOUND", number=number)
    return dossier


@router.get("/dossiers/{number}", response={200: DossierOut, **errors(404)})
def get_dossier(request: HttpRequest, number: str) -> dict[str, Any]:
    """Tải lại: the dossier's status and every answer the agency has given."""
    return dossier_out(_own_dossier(request, number))


@router.get("/dossiers/{number}/steps", response={200: list[StepOut], **errors(404)})
def get_steps(request: HttpRequest, number: str) -> list[dict[str, str]]:
    """Tra cứu: the processing steps with their times."""
    dossier = _own_dossier(request, number)
    return [{"at": localtime(at).isoformat(), "code": code, "description": description}
            for at, code, description in services.timeline(dossier)]


@router.get("/dossiers/{number}/answers/{kind}.xml", response=errors(404, 422),
            openapi_extra={"responses": {200: {
                "description": "The answer as the agency signed it",
                "content": {"application/xml": {"schema": {"type": "string"}}}}}})
def get_answer_xml(request: HttpRequest, number: str, kind: AnswerKind) -> HttpResponse:
    """One signed answer as XML, byte for byte as the agency signed it."""
    dossier = _own_dossier(request, number)
    answer = dossier.answers.filter(kind=kind).first()
    if answer is None:  # the decision, before the unit activates or an officer decides
        raise OpenIvanError("ANSWER_NOT_YET", number=number, kind=kind, status=dossier.status)
    return HttpResponse(bytes(answer.signed_xml), content_type="application/xml")


class ProviderOut(Schema):
    code: str  # MaIVAN
    name: str


@router.get("/providers", response={200: list[ProviderOut]})
def list_providers(request: HttpRequest) -> list[dict[str, str]]:
    """Danh sách tổ chức I-VAN: the providers registered at the agency (a unit stopping its
    e-transactions with another provider names it from this list)."""
    return [{"code": code, "name": name} for code, name in
            IvanProvider.objects.order_by("code").values_list("code", "name")]
