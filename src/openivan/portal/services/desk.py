"""The reception desk (bộ phận một cửa): the queue of declarations waiting for an officer, search,
a declaration beside the agency's record of the person, paper-only entry, the decision, and the
sweeps of declarations never filed (reminder on day 7, cancelled on day 10).

Each operation that changes something is one transaction with its audit row; the decision
itself (account issued, or notice 01/TB-GDĐT, and their answers queued) is
`portal.services.decisions`, called inside that transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from openivan.core import portal_notice
from openivan.core import reference as refs
from openivan.core.calendar import deadline_working_days, shown
from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mobile, search_key
from openivan.core.records import Mismatch, match_record
from openivan.core.xml import individual
from openivan.notify import services as notify
from openivan.platform.services import audit
from openivan.portal.models import (
    Declaration,
    DeclarationStatus,
    Filing,
    InsuredRecord,
    Person,
    ReceptionPoint,
)
from openivan.portal.services import records
from openivan.portal.states import DECLARATION

S = DeclarationStatus

# Deadlines are settings (OPENIVAN_PORTAL_PAPER_WORKING_DAYS: paper only, the account within 3
# working days of the full dossier; OPENIVAN_PORTAL_DESK_REMIND_DAYS_BEFORE: not filed, reminded
# on day 7 of the 10 days).
OFFICER_REASON = "DESK_OFFICER_REASON"  # the code of a reason the officer typed, in 01/TB-GDĐT


def waiting() -> QuerySet[Declaration]:
    """What the desk has to decide: declarations confirmed online to be filed at a reception
    point, and paper declarations typed in, not yet decided."""
    return Declaration.objects.filter(
        Q(status=S.AWAITING_DESK) | Q(status=S.RECEIVED, filing=Filing.PAPER))


def queue(point: str = "") -> QuerySet[Declaration]:
    """The desk's queue, oldest first; `point`: one reception point's code."""
    rows = waiting().select_related("reception_point")
    if point:
        rows = rows.filter(reception_point__code=point)
    return rows.order_by("received_at", "pk")


@dataclass(frozen=True)
class PointCount:
    code: str
    name: str
    waiting: int
    overdue: int


def counts(now: datetime | None = None) -> list[PointCount]:
    """Per reception point: declarations waiting, and how many are past their deadline."""
    now = now or timezone.now()
    rows = (waiting().values("reception_point__code", "reception_point__name")
            .annotate(n=Count("pk"), late=Count("pk", filter=Q(deadline_at__lt=now)))
            .order_by("reception_point__code"))
    return [PointCount(r["reception_point__code"] or "", r["reception_point__name"] or "",
                       r["n"], r["late"]) for r in rows]


def is_open(declaration: Declaration) -> bool:
    return (declaration.status == S.AWAITING_DESK
            or (declaration.status == S.RECEIVED and declaration.filing == Filing.PAPER))


# ---------------------------------------------------------------- search

_ID_RE = re.compile(r"^(?:\d{9}|\d{12}|[A-Z]\d{7})$")


@dataclass
class Found:
    """What a search found: declarations, and records of persons (by ID number or name)."""

    query: str
    kind: str  # reference | id_number | bhxh_number | name | "" (nothing typed)
    declarations: list[Declaration]
    records: list[InsuredRecord]
    error: OpenIvanError | None = None


def search(text: str, by: Any, limit: int = 50) -> Found:
    """One box for everything the desk is given: a reference code (typed, or scanned from the
    form's QR code — the scanner types the same characters), an ID number, a BHXH number, or a
    name with or without accents. Each search is in the audit log (it reads personal data)."""
    text = " ".join(text.split())[:100]
    if not text:
        return Found("", "", [], [])
    compact = text.replace(" ", "").replace("-", "").upper()
    found: Found
    if _ID_RE.match(compact):
        found = Found(text, "id_number", list(Declaration.objects.filter(
            id_number=compact).select_related("reception_point")[:limit]),
            records.by_id_number(compact))
    elif compact.isdigit() and len(compact) == 10:
        found = Found(text, "bhxh_number", list(Declaration.objects.filter(
            bhxh_number=compact).select_related("reception_point")[:limit]),
            [r for r in [records.find(compact)] if r])
    elif len(compact) == refs.LENGTH and compact.isalnum() and compact.isascii():
        try:
            code = refs.parse_reference(compact)
        except OpenIvanError as exc:
            # "Nguyen Binh" is ten letters too: a name when it has a blank and no digit.
            if " " in text and not any(c.isdigit() for c in text):
                return search_name(text, by, limit)
            found = Found(text, "reference", [], [], exc)
        else:
            found = Found(text, "reference", list(Declaration.objects.filter(
                reference=code).select_related("reception_point")), [])
    else:
        return search_name(text, by, limit)
    return _audited(found, by)


def search_name(text: str, by: Any, limit: int = 50) -> Found:
    """Declarations and records whose name starts with `text`, accents or not."""
    key = search_key(text)
    return _audited(Found(text, "name", list(Declaration.objects.filter(
        name_key__startswith=key).select_related("reception_point")
        .order_by("name_key", "-received_at")[:limit]), records.by_name(key, limit)), by)


def _audited(found: Found, by: Any) -> Found:
    audit.record(by, "portal.desk.searched", f"search:{found.kind}", query=found.query,
                 declarations=len(found.declarations), records=len(found.records))
    return found


def get(reference: str) -> Declaration:
    """A declaration by its reference code (as typed: parsed first); DESK_DECLARATION_NOT_FOUND."""
    code = refs.parse_reference(reference)
    declaration = (Declaration.objects.select_related("reception_point", "decided_by")
                   .filter(reference=code).first())
    if declaration is None:
        raise OpenIvanError("DESK_DECLARATION_NOT_FOUND", reference=refs.display(code))
    return declaration


# ---------------------------------------------------------------- beside the record

@dataclass(frozen=True)
class Line:
    """One line of the comparison: the form's label, what was declared, what the record holds,
    and the mismatch's code when they differ."""

    field: str
    label: str
    declared: str
    recorded: str
    mismatch: str = ""


@dataclass
class Comparison:
    declared: individual.IndividualRegistration
    record: InsuredRecord | None
    lines: list[Line]
    mismatches: list[Mismatch]

    @property
    def matches(self) -> bool:
        return self.record is not None and not self.mismatches


def _date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def declared_of(declaration: Declaration) -> individual.IndividualRegistration:
    # The stored bytes, read again: what the person signed or the officer typed, exactly.
    return individual.read(bytes(declaration.document), today=timezone.localdate())


def compare(declaration: Declaration) -> Comparison:
    """The declaration beside the agency's record of the person (found by mã số BHXH), every
    difference named (core.records.match_record)."""
    declared = declared_of(declaration)
    record = records.find(declared.bhxh_number)
    if record is None:
        mismatches = [Mismatch("RECORD_NOT_FOUND", "MaSoBHXH", declared.bhxh_number)]
    else:
        mismatches = match_record(declared, records.to_record(record))
    wrong = {m.field: m.code for m in mismatches}
    recorded_birth = ((_date(record.birth_date) or str(record.birth_year)) if record else "")
    lines = [
        Line("MaSoBHXH", individual.LABELS["MaSoBHXH"], declared.bhxh_number,
             record.bhxh_number if record else "", wrong.get("MaSoBHXH", "")),
        Line("HoTen", individual.LABELS["HoTen"], declared.full_name,
             record.full_name if record else "", wrong.get("HoTen", "")),
        Line("NgaySinh", individual.LABELS["NgaySinh"], _date(declared.birth_date),
             recorded_birth, wrong.get("NgaySinh", "")),
        Line("GioiTinh", individual.LABELS["GioiTinh"], _sex(declared.sex),
             _sex(record.sex) if record else "", wrong.get("GioiTinh", "")),
        Line("SoGiayTo", individual.LABELS["SoGiayTo"],
             f"{declared.id_number} ({declared.id_type})",
             (record.id_numbers.replace(";", ", ") if record else ""),
             wrong.get("SoGiayTo", "")),
    ]
    return Comparison(declared, record, lines, mismatches)


def _sex(value: str) -> str:
    return {"Nam": "Nam", "Nu": "Nữ"}.get(value, value)


def viewed(declaration: Declaration, by: Any) -> None:
    """An officer opened a declaration (personal data): in the audit log."""
    audit.record(by, "portal.desk.viewed", f"declaration:{declaration.reference}")


# ---------------------------------------------------------------- decisions

def _open_for_update(reference: str) -> Declaration:
    code = refs.parse_reference(reference)
    declaration = (Declaration.objects.select_for_update().filter(reference=code).first())
    if declaration is None:
        raise OpenIvanError("DESK_DECLARATION_NOT_FOUND", reference=refs.display(code))
    if not is_open(declaration):
        raise OpenIvanError("DESK_NOT_DECIDABLE", reference=refs.display(code),
                            status=DECLARATION.labels.get(declaration.status,
                                                          declaration.status))
    return declaration


def accept(reference: str, by: Any, *, id_copy_kept: bool,
           now: datetime | None = None) -> Declaration:
    """Chấp nhận at the desk: only once the officer has checked the ID document shown and
    recorded that a copy was kept. The account is issued by `decisions.accept`, in this same
    transaction."""
    if not id_copy_kept:
        raise OpenIvanError("DESK_ID_COPY_REQUIRED")
    from openivan.portal.services import decisions

    now = now or timezone.now()
    with transaction.atomic():
        declaration = _open_for_update(reference)
        DECLARATION.check(declaration.status, S.ACCEPTED)
        declaration.id_copy_kept = True
        declaration.save(update_fields=["id_copy_kept"])
        audit.record(by, "portal.desk.accepted", f"declaration:{declaration.reference}",
                     id_copy_kept=True, filing=declaration.filing,
                     reception_point=declaration.reception_point.code
                     if declaration.reception_point else "")
        decisions.accept(declaration.pk, by=by, now=now)
    declaration.refresh_from_db()
    return declaration


def reject(reference: str, by: Any, reasons: list[str], *, differences: list[str] = (),
           now: datetime | None = None) -> Declaration:
    """Không chấp nhận: the differences from the record the officer ticked (`differences`:
    their fields, e.g. HoTen) and the reasons typed (one per line of the form), all in the
    notice 01/TB-GDĐT that goes to the person (`decisions.reject`, in this transaction)."""
    from openivan.portal.services import decisions

    now = now or timezone.now()
    typed = [" ".join(r.split())[:500] for r in reasons if r.strip()]
    with transaction.atomic():
        declaration = _open_for_update(reference)
        DECLARATION.check(declaration.status, S.REJECTED)
        found = [m for m in compare(declaration).mismatches if m.field in set(differences)]
        items: list[Any] = list(portal_notice.reasons(None, found))
        items += [{"code": OFFICER_REASON, "message": text, "element": None} for text in typed]
        if not items:
            raise OpenIvanError("DESK_REASONS_REQUIRED")
        audit.record(by, "portal.desk.rejected", f"declaration:{declaration.reference}",
                     reasons=typed, differences=[m.code for m in found],
                     filing=declaration.filing)
        decisions.reject(declaration.pk, items, by=by, now=now)
    declaration.refresh_from_db()
    return declaration


# ---------------------------------------------------------------- paper only

def points() -> QuerySet[ReceptionPoint]:
    return ReceptionPoint.objects.filter(active=True).order_by("code")


def fields_of(model: individual.IndividualRegistration) -> dict[str, Any]:
    """What the form says, for the pages (Declaration.fields): the model's field names, dates
    ISO, the transactions as their codes."""
    out: dict[str, Any] = {}
    for name, value in vars(model).items():
        if isinstance(value, date):
            out[name] = value.isoformat()
        elif isinstance(value, list):
            out[name] = [item.code for item in value]
        else:
            out[name] = value
    return out


def enter_paper(data: dict[str, Any], point_code: str, by: Any,
                now: datetime | None = None) -> Declaration:
    """The officer types in a paper Mẫu số 01 brought to the desk: a declaration received now,
    to be decided within 3 working days (core.calendar). Every faulty field at once
    (`DECLARATION_INVALID`), nothing written."""
    now = now or timezone.now()
    point = ReceptionPoint.objects.filter(code=point_code, active=True).first()
    if point is None:
        raise OpenIvanError("DESK_RECEPTION_POINT_UNKNOWN", code=point_code[:16] or "—")
    form = {**data, "filing": "TaiCoQuanBHXH", "reception_point": point.name}
    form.setdefault("agency", point.name)
    model = individual.read_form(form, today=timezone.localdate(now))
    document = individual.build(model)
    days = settings.OPENIVAN_PORTAL_PAPER_WORKING_DAYS
    for _attempt in range(5):  # a reference code collision is ~1 in 10^12: try again
        code = refs.new_reference()
        try:
            with transaction.atomic():
                _refuse_second(model.bhxh_number)
                declaration = Declaration.objects.create(
                    reference=code, filing=Filing.PAPER, status=S.RECEIVED,
                    document=document, fields=fields_of(model),
                    bhxh_number=model.bhxh_number, full_name=model.full_name,
                    name_key=search_key(model.full_name), id_number=model.id_number,
                    phone=parse_mobile(model.mobile).international.lstrip("+"),
                    email=model.email or "", reception_point=point, received_at=now,
                    deadline_at=deadline_working_days(now, days))
                audit.record(by, "portal.desk.paper_entered",
                             f"declaration:{declaration.reference}",
                             reception_point=point.code, deadline=shown(declaration.deadline_at))
                return declaration
        except IntegrityError:
            if Declaration.objects.filter(reference=code).exists():
                continue
            # Another entry for this person landed between our look and our insert (the
            # partial unique constraint declaration_one_in_progress stopped ours): look again,
            # it answers as it would have (PORTAL_DECLARATION_IN_PROGRESS), not a 500.
            _refuse_second(model.bhxh_number)
            raise
    raise RuntimeError("no free reference code")  # pragma: no cover


def _refuse_second(bhxh_number: str) -> None:
    """One account per person, one open declaration at a time (the intake's codes)."""
    if Person.objects.filter(bhxh_number=bhxh_number).exists():
        raise OpenIvanError("PORTAL_ACCOUNT_EXISTS", bhxh_number=bhxh_number)
    open_one = (Declaration.objects.filter(bhxh_number=bhxh_number,
                                           status__in=[S.AWAITING_DESK, S.RECEIVED])
                .values_list("reference", flat=True).first())
    if open_one:
        raise OpenIvanError("PORTAL_DECLARATION_IN_PROGRESS", bhxh_number=bhxh_number,
                            reference=refs.display(open_one))


# ---------------------------------------------------------------- sweeps

def remind_unfiled(now: datetime | None = None) -> int:
    """Sweep: a declaration confirmed online but not filed at the desk is reminded once, on
    day 7 of its 10 (its deadline less 3 days), by email and SMS.
    Safe to run in several workers (rows locked, status re-read)."""
    now = now or timezone.now()
    before = timedelta(days=settings.OPENIVAN_PORTAL_DESK_REMIND_DAYS_BEFORE)
    due = Q(status=S.AWAITING_DESK, reminded_at__isnull=True, deadline_at__gt=now,
            deadline_at__lte=now + before)
    done = 0
    for pk in list(Declaration.objects.filter(due).values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            declaration = (Declaration.objects.select_for_update(skip_locked=True, of=("self",))
                           .select_related("reception_point").filter(due, pk=pk).first())
            if declaration is None:
                continue
            declaration.reminded_at = now
            declaration.save(update_fields=["reminded_at"])
            _tell(declaration, "portal_desk_reminder")
            audit.record(None, "portal.desk.reminded", f"declaration:{declaration.reference}",
                         email=bool(declaration.email), sms=bool(declaration.phone),
                         deadline=shown(declaration.deadline_at))
            done += 1
    return done


def cancel_unfiled(now: datetime | None = None) -> int:
    """Sweep: a declaration not filed at the desk by its deadline (10 days after confirmation)
    is cancelled, and the person told."""
    now = now or timezone.now()
    DECLARATION.check(S.AWAITING_DESK, S.CANCELLED)
    due = Q(status=S.AWAITING_DESK, deadline_at__lte=now)
    done = 0
    for pk in list(Declaration.objects.filter(due).values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            declaration = (Declaration.objects.select_for_update(skip_locked=True, of=("self",))
                           .select_related("reception_point").filter(due, pk=pk).first())
            if declaration is None:
                continue
            declaration.status, declaration.decided_at = S.CANCELLED, now
            declaration.save(update_fields=["status", "decided_at"])
            _tell(declaration, "portal_desk_cancelled")
            audit.record(None, "portal.declaration.cancelled",
                         f"declaration:{declaration.reference}", reason="not_filed",
                         deadline=shown(declaration.deadline_at))
            done += 1
    return done


def _tell(declaration: Declaration, template: str) -> None:
    """By email and SMS where the person gave both (each its own outbox row and queue: one
    channel down delays nothing on the other)."""
    context = _mail_context(declaration)
    if declaration.email:
        notify.queue_email(declaration.reference, template, declaration.email, context)
    if declaration.phone:
        notify.queue_sms(declaration.reference, template, declaration.phone, context)


def _mail_context(declaration: Declaration) -> dict[str, Any]:
    return {"declaration": declaration, "reference": refs.display(declaration.reference),
            "deadline": shown(declaration.deadline_at),
            "point": declaration.reception_point,
            "hotline": settings.OPENIVAN_AGENCY_HOTLINE}
