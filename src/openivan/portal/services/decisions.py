"""The decisions every path of a declaration ends in (signed with a certificate: automatically;
at a reception point or on paper: an officer at the desk), and the bookkeeping of the
15-minute answer.

`accept` issues the e-transaction account (user name = mã số BHXH, a one-time password to
change at the first sign-in) and tells the person; `reject` builds the notice 01/TB-GDĐT with
every reason, signed by the agency, and tells the person. Each is one transaction: the
decision, the account, the notices in the outbox and the audit event commit together.

The seed's deadline runs from reception (a declaration filed at the desk or on paper: from
the officer's decision) to the answer's hand-off to the mail server and to the SMSC (the later
one). The outbox knows when each message left, on either channel; `record_answer_times` (a
sweep) reads that back by reference, so notify stays unaware of the portal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from openivan.accounts.services import issue_person_account
from openivan.agency.services.answers import signed
from openivan.core import portal_notice
from openivan.core.calendar import local
from openivan.core.errors import OpenIvanError
from openivan.core.xml.forms import ReasonItem
from openivan.notify.services import handed_over, queue_email, queue_sms
from openivan.platform.services import audit
from openivan.portal.models import Declaration, DeclarationStatus, Filing, Person
from openivan.portal.states import DECLARATION

# The templates of the answer's notices: the 15 minutes run until every one has left. Each
# answer is one notice on two channels (notify/email/<name>.txt, notify/sms/<name>.txt, in
# portal/templates): the outbox rows share the name and differ by channel.
ANSWER_TEMPLATES = ["portal_accepted", "portal_rejected"]
SMS_TEMPLATES = ["portal_accepted", "portal_rejected"]

Reason = ReasonItem | Mapping[str, Any]


def accept(declaration_id: int, *, by: audit.Actor = None,
           now: datetime | None = None) -> Declaration:
    """Chấp nhận: the account, the declaration accepted, the notices queued, the audit event.
    A person who already has an account → PORTAL_ACCOUNT_EXISTS, nothing written."""
    now = now or timezone.now()
    with transaction.atomic():
        declaration = _locked(declaration_id, DeclarationStatus.ACCEPTED)
        issued = (None if Person.objects.filter(bhxh_number=declaration.bhxh_number).exists()
                  else issue_person_account(declaration.bhxh_number, declaration.full_name,
                                            declaration.email))
        if issued is None:
            raise OpenIvanError("PORTAL_ACCOUNT_EXISTS", bhxh_number=declaration.bhxh_number)
        user, account = issued
        Person.objects.create(user=user, bhxh_number=declaration.bhxh_number,
                              id_number=declaration.id_number, phone=declaration.phone,
                              email=declaration.email, created_at=now)
        declaration.account = user
        _decided(declaration, DeclarationStatus.ACCEPTED, by, now)
        context = {**_context(declaration), "username": account.username,
                   "password": account.one_time_password,
                   "login_url": settings.OPENIVAN_PUBLIC_URL + reverse("portal:login")}
        _notify(declaration, "portal_accepted", context)
        audit.record(by, "portal.declaration.accepted", _target(declaration),
                     bhxh_number=declaration.bhxh_number, filing=declaration.filing)
    return declaration


def reject(declaration_id: int, reasons: Sequence[Reason], *, by: audit.Actor = None,
           now: datetime | None = None) -> Declaration:
    """Không chấp nhận: the notice 01/TB-GDĐT with every reason (and where to get help),
    signed by the agency and kept; the declaration rejected; the notices queued."""
    items = [_reason(r) for r in reasons]
    if not items:
        raise OpenIvanError("PORTAL_REASON_REQUIRED")
    now = now or timezone.now()
    with transaction.atomic():
        declaration = _locked(declaration_id, DeclarationStatus.REJECTED)
        notice_number = f"{declaration.reference}/TB-GDĐT"
        issued_at = local(now).replace(microsecond=0)
        notice = portal_notice.non_acceptance(
            notice_number=notice_number, agency=settings.OPENIVAN_AGENCY_NAME,
            recipient=declaration.full_name, items=items, issued_on=issued_at.date(),
            dossier_number=declaration.reference,
            received_at=local(declaration.received_at).replace(microsecond=0))
        declaration.notice = signed(notice, issued_at)
        declaration.reasons = [{"code": i.code, "element": i.path, "message": i.message}
                               for i in items]
        _decided(declaration, DeclarationStatus.REJECTED, by, now)
        _notify(declaration, "portal_rejected", {
            **_context(declaration), "notice_number": notice_number,
            "reasons": declaration.reasons})
        audit.record(by, "portal.declaration.rejected", _target(declaration),
                     bhxh_number=declaration.bhxh_number, filing=declaration.filing,
                     reasons=[i.code for i in items])
    return declaration


def reasons_of(error: OpenIvanError | None = None,
               mismatches: Iterable[Any] = ()) -> list[ReasonItem]:
    """The reasons of a refusal from what the checks said (core.portal_notice.reasons)."""
    return portal_notice.reasons(error, mismatches)


def _locked(declaration_id: int, target: str) -> Declaration:
    declaration = Declaration.objects.select_for_update().filter(pk=declaration_id).first()
    if declaration is None:
        raise OpenIvanError("PORTAL_DECLARATION_NOT_FOUND", reference=str(declaration_id))
    if not DECLARATION.allows(declaration.status, target):
        raise OpenIvanError("PORTAL_DECISION_NOT_ALLOWED", reference=declaration.reference,
                            status=declaration.get_status_display())
    return declaration


def _decided(declaration: Declaration, status: str, by: audit.Actor, now: datetime) -> None:
    DECLARATION.check(declaration.status, status)
    declaration.status = status
    declaration.decided_at = declaration.answer_queued_at = now
    declaration.decided_by = by if by is not None and not isinstance(by, str) else None
    declaration.save(update_fields=["status", "decided_at", "decided_by", "answer_queued_at",
                                    "reasons", "notice", "account"])


def _context(declaration: Declaration) -> dict[str, Any]:
    return {"full_name": declaration.full_name, "bhxh_number": declaration.bhxh_number,
            "reference": declaration.reference, "received_at": local(declaration.received_at),
            "agency": settings.OPENIVAN_AGENCY_NAME, "hotline": settings.OPENIVAN_AGENCY_HOTLINE}


def _notify(declaration: Declaration, template: str, context: dict[str, Any]) -> None:
    """The answer by email to the declared address, if any, and by SMS to the declared mobile
    (always on the form; checked by core.identifiers.parse_mobile when it was stored). Two
    outbox rows on two queues (notify's `email` and `sms`): a mail server or an SMS centre
    that is down holds back only its own row, and the sweep below waits for both."""
    if declaration.email:
        queue_email(declaration.reference, template, declaration.email, context)
    if declaration.phone:
        queue_sms(declaration.reference, template, declaration.phone, context)


def _reason(reason: Reason) -> ReasonItem:
    if isinstance(reason, ReasonItem):
        return reason
    return ReasonItem(str(reason["code"]), str(reason["message"]),
                      reason.get("element") or reason.get("path"))


def _target(declaration: Declaration) -> str:
    return f"portal.declaration:{declaration.reference}"


# ---------------------------------------------------------------- the 15 minutes


def record_answer_times(limit: int = 500) -> int:
    """Sweep: declarations decided whose answer time is not yet known get it once every
    notice of the answer has been handed to its server — the latest hand-off (or the
    decision itself when there was nothing to send). Returns how many were recorded."""
    waiting = list(Declaration.objects.filter(answered_at__isnull=True,
                                              answer_queued_at__isnull=False)
                   .order_by("answer_queued_at").values_list("pk", "reference",
                                                             "answer_queued_at")[:limit])
    if not waiting:
        return 0
    handed = handed_over([r for _, r, _ in waiting],
                         sorted({*ANSWER_TEMPLATES, *SMS_TEMPLATES}))
    recorded = 0
    for pk, reference, queued_at in waiting:
        state = handed.get(reference)
        if state is not None and not state.all_sent:
            continue
        at = (state.last_sent_at if state is not None and state.last_sent_at else queued_at)
        recorded += Declaration.objects.filter(pk=pk, answered_at__isnull=True).update(
            answered_at=max(at, queued_at))
    return recorded


def answer_seconds(declaration: Declaration) -> float | None:
    """From the start of its clock (`answer_clock_start`) to the answer's hand-off, once
    known."""
    if declaration.answered_at is None:
        return None
    start = answer_clock_start(declaration)
    return None if start is None else (declaration.answered_at - start).total_seconds()


def answer_clock_start(declaration: Declaration) -> datetime | None:
    """When the 15 minutes start: a signed declaration's reception; a declaration filed at
    the desk or on paper, the officer's decision (seed 004: the answer leaves within 15
    minutes of it) — none while it awaits the desk."""
    if declaration.filing == Filing.CERTIFICATE:
        return declaration.received_at
    return declaration.decided_at


def unanswered(now: datetime, older_than: timedelta) -> Q:
    """Declarations whose answer has not left although its clock started before
    now - older_than: signed ones since their reception, the desk's and paper ones since the
    officer's decision."""
    cut = now - older_than
    signed_late = Q(filing=Filing.CERTIFICATE, received_at__lte=cut)
    decided_late = ~Q(filing=Filing.CERTIFICATE) & Q(decided_at__lte=cut)
    return (Q(answered_at__isnull=True) & (signed_late | decided_late)
            & ~Q(status=DeclarationStatus.CANCELLED))
