"""The portal's API for individuals: send a 01/ĐK-GD signed with one's certificate, and follow
it by its reference code. No sign-in: the person has no account yet (that is what they ask
for); the reference code (random, with a check character) is what they hold."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.timezone import localtime
from ninja import Router, Schema, Status

from openivan.core.reference import display
from openivan.platform.clients import client_address
from openivan.platform.schemas import errors
from openivan.portal.models import Declaration
from openivan.portal.services import declarations, intake
from openivan.portal.states import DECLARATION

router = Router(tags=["portal"])


class ReasonOut(Schema):
    code: str
    element: str | None
    message: str


class DeclarationOut(Schema):
    reference: str  # canonical; `reference_display` as printed (KM4TX-ACH7R)
    reference_display: str
    status: str  # received | accepted | rejected | awaiting_desk | cancelled
    status_label: str  # in Vietnamese
    status_url: str
    received_at: str
    deadline_at: str
    decided_at: str | None
    reasons: list[ReasonOut]  # why it was not accepted (also in the notice 01/TB-GDĐT)


def declaration_out(request: HttpRequest, declaration: Declaration) -> dict[str, Any]:
    return {
        "reference": declaration.reference,
        "reference_display": display(declaration.reference),
        "status": declaration.status,
        "status_label": str(DECLARATION.labels.get(declaration.status, declaration.status)),
        "status_url": request.build_absolute_uri(
            f"/api/v1/portal/declarations/{declaration.reference}"),
        "received_at": localtime(declaration.received_at).isoformat(),
        "deadline_at": localtime(declaration.deadline_at).isoformat(),
        "decided_at": (localtime(declaration.decided_at).isoformat()
                       if declaration.decided_at else None),
        "reasons": [{"code": r.get("code", ""), "element": r.get("element"),
                     "message": r.get("message", "")} for r in declaration.reasons],
    }


@router.post("/declarations", response={202: DeclarationOut, **errors(409, 413, 422, 429)},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/xml": {"schema": {"type": "string", "format": "binary"}}}}})
def submit_declaration(request: HttpRequest) -> Status:
    """Tờ khai 01/ĐK-GD signed with the person's certificate (the signature in `CKy`,
    `HinhThucNop` ChungThuSo). 202: received; the answer (account or notice of refusal) goes
    to the declared email and mobile within 15 minutes; follow `status_url`. The same bytes
    sent again answer the same declaration. 4xx: refused, nothing stored; 429 RATE_LIMITED:
    too many declarations from this address in a minute (see Retry-After)."""
    intake.check_rate(client_address(request.META))
    received = intake.receive(request.body)
    return Status(202, declaration_out(request, received.declaration))


@router.get("/declarations/{reference}",
            response={200: DeclarationOut, **errors(404, 422, 429)})
def get_declaration(request: HttpRequest, reference: str) -> dict[str, Any]:
    """Tra cứu: where a declaration stands, by its reference code (blanks, hyphens and
    lower case allowed; a mistyped code is caught by its check character). A client asking
    for many codes that do not exist is held back like the status page's
    (PORTAL_LOOKUP_THROTTLED, 429)."""
    return declaration_out(request, declarations.lookup(reference, client_address(request.META)))
