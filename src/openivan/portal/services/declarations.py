"""Declarations 01/ĐK-GD from the individuals' pages: the one made without a certificate and
confirmed online for filing at a reception point (the desk path), its printable Mẫu số 01,
and finding a declaration by its reference code (the status lookup, without signing in).

Signed declarations come in through the intake (`portal.services.intake.receive_signed`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from openivan.core import reference as references
from openivan.core.errors import OpenIvanError
from openivan.core.forms_pdf import render_form_01
from openivan.core.identifiers import parse_mobile, search_key
from openivan.core.xml import individual
from openivan.notify.services import queue_email, queue_sms
from openivan.platform.services import audit, throttles
from openivan.portal.models import (
    Declaration,
    DeclarationStatus,
    Filing,
    Person,
    ReceptionPoint,
)

S = DeclarationStatus
# A declaration in one of these states is still to be decided: a second one for the same
# person is refused until it is.
IN_PROGRESS = (S.RECEIVED, S.AWAITING_DESK)
# The desk path's filing and the place named on the printed form when the person gives none.
DESK = Filing.DESK


def filing_days() -> int:
    """Days a declaration confirmed online has to be filed at the reception point."""
    return int(settings.OPENIVAN_PORTAL_FILING_DAYS)


def check_form(data: Mapping[str, Any], *, filing: str = Filing.CERTIFICATE,
               reception_point: str | None = None,
               today: date | None = None) -> individual.IndividualRegistration:
    """The form's fields as the declaration they make (every fault at once:
    `DECLARATION_INVALID` with each problem's field). `filing` and the reception point are
    chosen on the confirmation page; the date of the declaration is today's."""
    today = today or timezone.localdate()
    values = {k: v for k, v in data.items() if k not in ("filing", "reception_point",
                                                         "declared_on")}
    values.update(filing=filing, reception_point=reception_point,
                  declared_on=today.isoformat())
    return individual.read_form(values, today=today)


def form_values(model: individual.IndividualRegistration) -> dict[str, Any]:
    """What the declaration says, as the form names it (dates ISO, transactions as codes):
    kept in `Declaration.fields` for the pages and the desk."""
    values: dict[str, Any] = {}
    for name in ("full_name", "birth_date", "sex", "bhxh_number", "id_type", "id_number",
                 "id_issued_on", "id_issued_by", "address", "mobile", "agency", "filing",
                 "place", "declared_on", "email", "reception_point"):
        value = getattr(model, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    values["transactions"] = [t.code for t in model.transactions]
    return values


def check_may_declare(bhxh_number: str) -> None:
    """A person with an account, or with a declaration still to be decided, may not declare
    again (PORTAL_ACCOUNT_EXISTS, PORTAL_DECLARATION_IN_PROGRESS)."""
    if Person.objects.filter(bhxh_number=bhxh_number).exists():
        raise OpenIvanError("PORTAL_ACCOUNT_EXISTS", bhxh_number=bhxh_number)
    pending = (Declaration.objects.filter(bhxh_number=bhxh_number, status__in=IN_PROGRESS)
               .values_list("reference", flat=True).first())
    if pending:
        # Without its reference: that code is the only key to the anonymous status page.
        raise OpenIvanError("PORTAL_DECLARATION_IN_PROGRESS", bhxh_number=bhxh_number)


def confirm_for_desk(form: Mapping[str, Any], reception_point: ReceptionPoint,
                     now: datetime | None = None) -> Declaration:
    """"Nộp tại cơ quan BHXH": the form confirmed online becomes a declaration awaiting the
    desk, with a fresh reference code and `OPENIVAN_PORTAL_FILING_DAYS` (10) to be filed at
    `reception_point`. One transaction: the declaration and its audit event."""
    now = now or timezone.now()
    if not reception_point.active:
        raise OpenIvanError("PORTAL_RECEPTION_POINT_UNKNOWN")
    model = check_form(form, filing=DESK, reception_point=reception_point.name,
                       today=timezone.localdate(now))
    document = individual.build(model)
    for _attempt in range(5):  # 23^9 codes: a clash is all but impossible, but never fatal
        code = references.new_reference()
        try:
            with transaction.atomic():
                check_may_declare(model.bhxh_number)
                declaration = Declaration.objects.create(
                    reference=code, filing=DESK, status=S.AWAITING_DESK, document=document,
                    fields=form_values(model), bhxh_number=model.bhxh_number,
                    full_name=model.full_name, name_key=search_key(model.full_name),
                    id_number=model.id_number, phone=_phone(model.mobile),
                    email=model.email or "", reception_point=reception_point,
                    received_at=now, deadline_at=now + timedelta(days=filing_days()))
                audit.record(audit.SYSTEM, "declaration.confirmed", f"declaration:{code}",
                             filing=DESK, reception_point=reception_point.code,
                             bhxh_number=model.bhxh_number)
                # The code and the deadline, kept in the person's phone (and mailbox).
                context = _confirmed_context(declaration)
                queue_sms(code, "portal_desk_confirmed", declaration.phone, context)
                if declaration.email:
                    queue_email(code, "portal_desk_confirmed", declaration.email, context)
            return declaration
        except IntegrityError:
            if not Declaration.objects.filter(reference=code).exists():
                # The same person's declaration landed between our look and our insert (the
                # partial unique constraint declaration_one_in_progress stopped ours): look
                # again, it answers as it would have (PORTAL_DECLARATION_IN_PROGRESS).
                check_may_declare(model.bhxh_number)
                raise
    raise RuntimeError("no free reference code after 5 tries")  # pragma: no cover


def _confirmed_context(declaration: Declaration) -> dict[str, Any]:
    deadline = timezone.localtime(declaration.deadline_at)
    return {"declaration": declaration, "reference": references.display(declaration.reference),
            "point": declaration.reception_point, "deadline": f"{deadline:%H:%M %d/%m/%Y}",
            "days": filing_days(),
            "hotline": settings.OPENIVAN_AGENCY_HOTLINE,
            "lookup_url": f"{settings.OPENIVAN_PUBLIC_URL}/ca-nhan/tra-cuu/"
                          f"{declaration.reference}/"}


def _phone(mobile: str) -> str:
    """84… as the SMS channel sends it."""
    return "84" + parse_mobile(mobile).number[1:]


def declaration_model(declaration: Declaration) -> individual.IndividualRegistration:
    """The declaration as its stored XML says (signed or built), read with core's checks
    (dates of the day it was made)."""
    return individual.read(bytes(declaration.document),
                           today=timezone.localdate(declaration.received_at))


def form_pdf(declaration: Declaration) -> bytes:
    """The printable Mẫu số 01 of a desk declaration, rendered on first use and kept (one
    update of that one column: renders that race write the same bytes)."""
    if declaration.form_pdf:
        return bytes(declaration.form_pdf)
    pdf = render_form_01(declaration_model(declaration), declaration.reference)
    Declaration.objects.filter(pk=declaration.pk).update(form_pdf=pdf)
    declaration.form_pdf = pdf
    return pdf


def find_by_reference(value: str) -> Declaration:
    """The declaration with this reference code, as typed or scanned. The code is checked
    (`core.reference.parse_reference`: format, check character) before any query."""
    code = references.parse_reference(value)
    found = Declaration.objects.select_related("reception_point").filter(reference=code).first()
    if found is None:
        raise OpenIvanError("PORTAL_DECLARATION_NOT_FOUND", reference=references.display(code))
    return found


# Codes that pass their check character but name no declaration, per client, before the lookup
# stops answering for the rest of the window: a person mistypes a few; a script guessing
# codes is held to this pace (with 23^9 codes it would find none anyway).
LOOKUP_MISSES, LOOKUP_WINDOW_SECONDS = 20, 15 * 60


def lookup(value: str, client: str) -> Declaration:
    """`find_by_reference` for the public status page: a client that keeps asking for codes
    that do not exist is refused for a while (PORTAL_LOOKUP_THROTTLED). A malformed code is
    refused first, without a query."""
    references.parse_reference(value)
    key = f"portal-lookup:{client}"
    held = throttles.peek(key)
    if held.count >= LOOKUP_MISSES:
        raise OpenIvanError("PORTAL_LOOKUP_THROTTLED", minutes=held.minutes_left())
    try:
        return find_by_reference(value)
    except OpenIvanError as exc:
        if exc.code == "PORTAL_DECLARATION_NOT_FOUND":
            throttles.hit(key, LOOKUP_WINDOW_SECONDS)
        raise


def reference_problem(declaration: Declaration) -> OpenIvanError | None:
    """Why a reference code can no longer be used at the desk: cancelled (not filed in time)
    or used (the declaration was decided); None while it is awaiting the desk."""
    code = references.display(declaration.reference)
    if declaration.status == S.CANCELLED:
        return OpenIvanError("PORTAL_REFERENCE_CANCELLED", reference=code, days=filing_days())
    if declaration.filing == DESK and declaration.status in (S.ACCEPTED, S.REJECTED):
        return OpenIvanError("PORTAL_REFERENCE_USED", reference=code)
    return None


def active_reception_points() -> list[ReceptionPoint]:
    return list(ReceptionPoint.objects.filter(active=True).order_by("name"))
