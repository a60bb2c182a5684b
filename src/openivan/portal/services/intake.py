"""Tiếp nhận: a person's 01/ĐK-GD signed with a certificate, sent to the portal.

Reception checks only what needs no network (size, hardened parse, every field, the filing,
the person's standing) and stores the bytes as received with their processing job, in one
transaction; the signature, the certificate (chain, OCSP) and the records are the job's
(portal/tasks.py), so a CA's slow responder never holds a request open. The 15 minutes run
from here.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mobile, search_key
from openivan.core.reference import new_reference
from openivan.core.xml import individual
from openivan.core.xml.individual import IndividualRegistration
from openivan.platform.services import audit, throttles
from openivan.portal.models import (
    Declaration,
    DeclarationJob,
    DeclarationStatus,
    Filing,
    JobKind,
    Person,
)

# A declaration still being decided: the person waits for its answer before declaring again.
IN_PROGRESS = (DeclarationStatus.RECEIVED, DeclarationStatus.AWAITING_DESK)


@dataclasses.dataclass(frozen=True)
class Received:
    declaration: Declaration
    created: bool  # False: these very bytes were received before


def check_rate(client: str) -> None:
    """At most OPENIVAN_PORTAL_RATE_LIMIT_PER_MINUTE declarations a minute from one client
    address (the platform's shared throttle, as the agency limits providers): beyond,
    RATE_LIMITED (429, Retry-After), before the body is even read."""
    hits = throttles.hit(f"portal-declare:{client}", 60)
    if hits.count > settings.OPENIVAN_PORTAL_RATE_LIMIT_PER_MINUTE:
        raise OpenIvanError("RATE_LIMITED", retry_after=hits.seconds_left())


def receive_signed(data: bytes, *, now: datetime | None = None) -> Declaration:
    """Store a signed declaration for processing (see `receive`)."""
    return receive(data, now=now).declaration


def receive(data: bytes, *, now: datetime | None = None) -> Received:
    """The same bytes sent again give back the declaration they made (idempotent). Refused,
    nothing stored: too large, not XML, a faulty field (DECLARATION_INVALID naming each), not
    filed with a certificate, a person who already has an account or a declaration being
    decided."""
    if not data:
        raise OpenIvanError("PORTAL_BODY_EMPTY")
    if len(data) > settings.OPENIVAN_PORTAL_MAX_BYTES:
        raise OpenIvanError("XML_TOO_LARGE", limit=settings.OPENIVAN_PORTAL_MAX_BYTES)
    now = now or timezone.now()
    model = individual.read(data, today=timezone.localdate(now))
    if model.filing != Filing.CERTIFICATE:
        raise OpenIvanError("PORTAL_FILING_NOT_SIGNED", filing=model.filing)
    try:
        with transaction.atomic():
            return _store(data, model, now)
    except IntegrityError:
        # Another request stored the same person's declaration between our look and our
        # insert (the partial unique constraint declaration_one_in_progress stopped ours), or
        # drew the same reference: look again, it decides — the same bytes answer that
        # declaration, other bytes are PORTAL_DECLARATION_IN_PROGRESS.
        pass
    try:
        with transaction.atomic():
            return _store(data, model, now)
    except IntegrityError:
        # Raced a second time (a third submission at the same moment): still one in progress.
        raise OpenIvanError("PORTAL_DECLARATION_IN_PROGRESS",
                            bhxh_number=model.bhxh_number) from None


def _store(data: bytes, model: IndividualRegistration, now: datetime) -> Received:
    mine = Declaration.objects.filter(bhxh_number=model.bhxh_number,
                                      filing=Filing.CERTIFICATE).order_by("-id")
    for earlier in mine.only("id", "document")[:20]:
        if bytes(earlier.document) == data:
            return Received(Declaration.objects.get(pk=earlier.pk), False)
    if Person.objects.filter(bhxh_number=model.bhxh_number).exists():
        raise OpenIvanError("PORTAL_ACCOUNT_EXISTS", bhxh_number=model.bhxh_number)
    waiting = _in_progress(model.bhxh_number, lock=True)
    if waiting is not None:
        # Without its reference: that code is the only key to the anonymous status page.
        raise OpenIvanError("PORTAL_DECLARATION_IN_PROGRESS", bhxh_number=model.bhxh_number)
    declaration = Declaration.objects.create(
        reference=_fresh_reference(), filing=Filing.CERTIFICATE,
        status=DeclarationStatus.RECEIVED, document=data, fields=fields_of(model),
        bhxh_number=model.bhxh_number, full_name=model.full_name,
        name_key=search_key(model.full_name), id_number=model.id_number,
        phone=parse_mobile(model.mobile).international.lstrip("+"), email=model.email or "",
        received_at=now,
        deadline_at=now + timedelta(minutes=settings.OPENIVAN_PORTAL_ANSWER_MINUTES))
    DeclarationJob.objects.create(declaration=declaration, kind=JobKind.PROCESS,
                                  next_attempt_at=now, created_at=now)
    audit.record(None, "portal.declaration.received", f"portal.declaration:{declaration.reference}",
                 bhxh_number=model.bhxh_number, filing=Filing.CERTIFICATE, bytes=len(data))
    return Received(declaration, True)


def _in_progress(bhxh_number: str, *, lock: bool = False) -> str | None:
    """The reference of the person's declaration being decided, if any."""
    rows = Declaration.objects.filter(bhxh_number=bhxh_number, status__in=IN_PROGRESS)
    return (rows.select_for_update() if lock else rows).values_list(
        "reference", flat=True).first()


def _fresh_reference() -> str:
    # 23^9 codes: a collision is all but impossible, but the unique index would make it a
    # failed request; look first.
    while True:
        reference = new_reference()
        if not Declaration.objects.filter(reference=reference).exists():
            return reference


def fields_of(model: IndividualRegistration) -> dict[str, Any]:
    """What the form says, for pages and the desk (dates ISO, transactions as codes)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(model):
        value = getattr(model, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, list):
            value = [t.code for t in value]
        values[f.name] = value
    return values


def find(reference: str) -> Declaration:
    """The declaration of a canonical reference code (parse it with
    core.reference.parse_reference first)."""
    declaration = Declaration.objects.filter(reference=reference).first()
    if declaration is None:
        raise OpenIvanError("PORTAL_DECLARATION_NOT_FOUND", reference=reference)
    return declaration
