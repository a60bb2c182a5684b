"""Pages of the agency's portal: the activation page (seed 002) and the officers' console."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openivan.agency import archive, names, services
from openivan.agency.listings import DossierListing, RegistryListing
from openivan.agency.models import (
    OPEN_STATUSES,
    Activation,
    Dossier,
    DossierStatus,
    IvanProvider,
    UnitRegistration,
)
from openivan.agency.names import name
from openivan.agency.states import DOSSIER
from openivan.core.calendar import shown
from openivan.core.errors import OUTAGES, OpenIvanError
from openivan.notify import services as notify
from openivan.platform.csvfile import csv_response
from openivan.platform.models import AuditEvent
from openivan.platform.paging import CappedPaginator

# ---------------------------------------------------------------- activation (public)

# What each form asks the unit to confirm: the page's title names the procedure.
PROCEDURES = {"04/ĐK-IVAN": gettext_lazy("Confirm the registration for e-transactions"),
              "05/SĐ-IVAN": gettext_lazy("Confirm the change of registered information"),
              "06/NG-IVAN": gettext_lazy("Confirm the stop of e-transactions")}
STOP_FORM = "06/NG-IVAN"


def activation_page(request: HttpRequest, token: str) -> HttpResponse:
    """Kích hoạt: unit and dossier information, "Mã xác nhận", "Gửi mã xác nhận"."""
    try:
        activation = services.find(token)
    except OpenIvanError as exc:
        return _activation_render(request, None, error=exc, status=404)
    if request.method == "POST":
        return _activation_submit(request, activation)
    try:
        services.check_usable(activation)
    except OpenIvanError as exc:
        return _activation_render(request, activation, error=exc, status=410)
    return _activation_render(request, activation)


def _activation_submit(request: HttpRequest, activation: Any) -> HttpResponse:
    try:
        # A stop issues no account, so it has no password to issue again.
        reissue = (bool(request.POST.get("reissue"))
                   and activation.dossier.form_code != STOP_FORM)
        done = services.activate(activation.token, request.POST.get("code", ""),
                                 reissue_password=reissue)
    except OpenIvanError as exc:
        activation.refresh_from_db()
        outage = exc.code in OUTAGES  # nothing was used up: the same code works later
        usable = outage or exc.code in ("ACTIVATION_CODE_WRONG", "ACTIVATION_CODE_FORMAT")
        return _activation_render(request, activation, error=exc, show_form=usable,
                                  typed_code=request.POST.get("code", "")[:20],
                                  status=503 if outage else 422 if usable else 410)
    return _activation_render(request, activation, done=done)


def _activation_render(request: HttpRequest, activation: Any, *,
                       error: OpenIvanError | None = None, done: Any = None,
                       show_form: bool | None = None, typed_code: str = "",
                       status: int = 200) -> HttpResponse:
    if show_form is None:
        show_form = error is None and done is None
    dossier = activation.dossier if activation else None
    return render(request, "agency/activation.html", {
        "activation": activation, "dossier": dossier,
        "procedure": PROCEDURES.get(dossier.form_code) if dossier else None,
        "declaration": services.declaration_of(dossier) if dossier else None,
        "is_stop": dossier is not None and dossier.form_code == STOP_FORM,
        "already_registered": _already_registered(dossier, done),
        "error": error and error.message(request.LANGUAGE_CODE),
        # already confirmed is no fault: said as a notice, with what comes next
        "error_is_notice": error is not None and error.code == "ACTIVATION_USED",
        "error_code": error and error.code, "done": done, "show_form": show_form,
        "code_length": settings.OPENIVAN_CODE_LENGTH, "today": timezone.localdate(),
        "typed_code": typed_code,
        "hotline": settings.OPENIVAN_AGENCY_HOTLINE,
        "hotline_dial": "".join(c for c in settings.OPENIVAN_AGENCY_HOTLINE
                                if c.isdigit() or c == "+"),
        "tries_left": services.tries_left(activation) if activation else 0,
    }, status=status)


def _already_registered(dossier: Dossier | None, done: Any = None) -> UnitRegistration | None:
    """A 04 from a unit already registered with the same provider: its registration, which
    the 04 renews (the page says so before the code is typed)."""
    if dossier is None or done or dossier.form_code != "04/ĐK-IVAN":
        return None
    registration = services.active_registration(dossier.unit_tax_code, dossier.provider.code)
    return registration if registration and registration.dossier_id != dossier.pk else None


# ---------------------------------------------------------------- officers' console

officer_required = permission_required("agency.decide_dossier", login_url="accounts:login")

PAGE_SIZE = 50
LIST_CAP = 10_000  # rows counted for a list's page numbers (conf.paging)
EXPORT_CHUNK = 2000  # rows fetched at a time while a CSV streams


@officer_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    """Hồ sơ: the officer's queue first; the deadline shown, overdue rows highlighted."""
    listing = DossierListing.from_query(request.GET)
    page = CappedPaginator(listing.rows(), PAGE_SIZE, LIST_CAP).get_page(request.GET.get("page"))
    # Codes locked by wrong tries, for the page's rows only (one query, whatever the list).
    waiting = [d.pk for d in page if d.status == DossierStatus.AWAITING_ACTIVATION]
    locked = set(Activation.objects.filter(
        dossier_id__in=waiting, used_at__isnull=True,
        failed_tries__gte=settings.OPENIVAN_ACTIVATION_MAX_TRIES).values_list(
        "dossier_id", flat=True)) if waiting else set()
    return render(request, "agency/dossier_list.html", {
        "page": page, "locked": locked, "queue": listing.queue, "q": listing.q,
        "now": timezone.now(),
        "query": listing.query(),
        "queues": [("review", _("Waiting for an officer")), ("waiting", _("Waiting for the code")),
                   ("done", _("Decided")), ("all", _("All"))],
        "open_statuses": [s.value for s in OPEN_STATUSES]})


@officer_required
def dossier_export(request: HttpRequest) -> HttpResponse:
    """The list as it is filtered, every row of it, as CSV (the export is audited)."""
    listing = DossierListing.from_query(request.GET)
    services.record_export(request.user, "dossiers", listing.query())  # type: ignore[arg-type]
    header = [_("Dossier number"), _("Form"), _("Tax code"), _("Unit name"), _("Unit code"),
              _("Email"), _("I-VAN provider"), _("Received"), _("Deadline"), _("Status"),
              _("Decided at"), _("Reason")]
    rows = ([d.number, d.form_code, d.unit_tax_code, d.unit_name, d.unit_code, d.email,
             d.provider.code, shown(d.received_at), shown(d.decision_deadline),
             d.get_status_display(), d.decided_at and shown(d.decided_at),
             d.decision_reason or d.get_review_reason_display()]
            for d in listing.rows().iterator(chunk_size=EXPORT_CHUNK))
    return csv_response(f"ho-so-{timezone.localdate():%Y%m%d}.csv", header, rows)


def _dossier_or_404(number: str) -> Dossier:
    dossier = Dossier.objects.select_related("provider", "decided_by").filter(
        number=number).first()
    if dossier is None:
        raise Http404(number)
    return dossier


@officer_required
def dossier_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail_render(request, _dossier_or_404(number))


def _detail_render(request: HttpRequest, dossier: Dossier, *, confirm: dict[str, str] | None = None,
                   decision_error: tuple[str, OpenIvanError] | None = None,
                   typed: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    """A dossier's page; while a decision waits to be confirmed, the question instead of the
    decision's forms; a decision refused, its error beside the field it is about."""
    return render(request, "agency/dossier_detail.html", {
        "signatures": _signatures(dossier),
        "dossier": dossier, "declaration": services.declaration_of(dossier),
        "timeline": [(at, code, name(names.STEPS, code), text)
                     for at, code, text in services.timeline(dossier)],
        "now": timezone.now(),
        "answers": [(a, name(names.ANSWER_RESULTS, a.result)) for a in dossier.answers.all()],
        "decidable": dossier.status == DossierStatus.NEEDS_REVIEW,
        "next_steps": [DossierStatus(s).label for s in DOSSIER.next_states(dossier.status)],
        "confirm": confirm, "typed": typed or {}, "code_state": _code_state(dossier),
        "already_registered": _already_registered(dossier) if dossier.decided_at is None else None,
        "error_field": decision_error and decision_error[0],
        "error": decision_error and decision_error[1].message(request.LANGUAGE_CODE),
        "error_code": decision_error and decision_error[1].code,
        "failed_emails": notify.failed(dossier.number),
        "overdue": dossier.decision_deadline < timezone.now() and dossier.decided_at is None},
        status=status)


def _code_state(dossier: Dossier) -> dict[str, Any] | None:
    """While a dossier waits for its code: whether the code is locked or ran out, and whether
    the officer may send a new one."""
    if dossier.status not in (DossierStatus.AWAITING_ACTIVATION, DossierStatus.CODE_EXPIRED):
        return None
    activation = Activation.objects.filter(dossier=dossier).select_related("dossier").first()
    if activation is None:
        return None
    return {"locked": activation.failed_tries >= settings.OPENIVAN_ACTIVATION_MAX_TRIES,
            "expired": timezone.now() >= activation.expires_at,
            "failed_tries": activation.failed_tries, "expires_at": activation.expires_at,
            "waits_until_deadline": dossier.status == DossierStatus.CODE_EXPIRED,
            "reissuable": services.reissuable(activation)}


@require_POST
@officer_required
def activation_reissue(request: HttpRequest, number: str) -> HttpResponse:
    """"Cấp mã xác nhận mới": a new link and code by email for a locked or expired code."""
    try:
        services.reissue(number, request.user)
        messages.success(request, _("A new confirmation code is on its way to the unit."))
    except OpenIvanError as exc:
        messages.error(request, exc.message(request.LANGUAGE_CODE), extra_tags=exc.code)
    return redirect("agency:dossier", number=number)


# The signature slots of an envelope, as the console names them.
SIGNERS = {"CKy_Dvi": gettext_lazy("Unit"), "CKy_IVAN": gettext_lazy("I-VAN provider")}


REVOCATION_STATUSES = {"good": gettext_lazy("not revoked"), "unknown": gettext_lazy("unknown"),
                       "revoked": gettext_lazy("revoked")}


def _signatures(dossier: Dossier) -> list[dict[str, Any]]:
    """Who signed, with what, and what the revocation check said at reception."""
    return [{**record, "signer": SIGNERS.get(slot) or _("Unit, attached declaration %(file)s") % {
                 "file": record.get("file", slot)},
             "signing_time": _when(record.get("signing_time")),
             "checked_at": _when(record.get("checked_at")),
             "revocation": [{**r, "status": REVOCATION_STATUSES.get(r["status"], r["status"]),
                             "checked_at": _when(r.get("checked_at"))}
                            for r in record.get("revocation", [])]}
            for slot, record in dossier.verification.items()]


def _when(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


@officer_required
def dossier_original(request: HttpRequest, number: str) -> HttpResponse:
    """The unit's signed declaration as it was received, byte for byte (audited)."""
    dossier = _dossier_or_404(number)
    services.record_download(request.user, number, "original")  # type: ignore[arg-type]
    response = HttpResponse(bytes(dossier.signed_bytes), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{number}.xml"'
    return response


@officer_required
def dossier_archive(request: HttpRequest, number: str) -> HttpResponse:
    """Hồ sơ lưu trữ: the declaration, the answers and the revocation evidence (audited)."""
    dossier = _dossier_or_404(number)
    services.record_download(request.user, number, "archive")  # type: ignore[arg-type]
    response = HttpResponse(archive.zip_of(dossier), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{number}.zip"'
    return response


@require_POST
@officer_required
def dossier_decide(request: HttpRequest, number: str) -> HttpResponse:
    """A decision in two steps: the officer's choice is checked and asked again ("Xác nhận"),
    then taken. Nothing changes before the confirmation."""
    accept = request.POST.get("decision") == "accept"
    typed = {"unit_code": request.POST.get("unit_code", "").strip().upper(),
             "reason": request.POST.get("reason", "").strip()}
    if request.POST.get("confirmed") != "1":
        dossier = _dossier_or_404(number)
        try:
            if dossier.status != DossierStatus.NEEDS_REVIEW:
                raise OpenIvanError("DECISION_NOT_ALLOWED", number=number,
                                    status=dossier.get_status_display())
            if accept:
                typed["unit_code"] = services.unit_code_to_assign(dossier, typed["unit_code"])
            elif not typed["reason"]:
                raise OpenIvanError("REASON_REQUIRED")
        except OpenIvanError as exc:
            field = "unit_code" if accept else "reason"
            return _detail_render(request, dossier, decision_error=(field, exc), typed=typed,
                                  status=422)
        return _detail_render(request, dossier, typed=typed,
                              confirm={"decision": "accept" if accept else "reject", **typed})
    try:
        if accept:
            services.accept(number, request.user,  # type: ignore[arg-type]
                            unit_code=typed["unit_code"])
            messages.success(request, _("Dossier %(number)s accepted.") % {"number": number})
        else:
            services.reject(number, request.user,  # type: ignore[arg-type]
                            typed["reason"])
            messages.success(request, _("Dossier %(number)s rejected.") % {"number": number})
    except OpenIvanError as exc:
        messages.error(request, exc.message(request.LANGUAGE_CODE), extra_tags=exc.code)
    return redirect("agency:dossier", number=number)


@require_POST
@officer_required
def notification_requeue(request: HttpRequest, number: str, notification_id: int) -> HttpResponse:
    """Gửi lại: an email of this dossier that gave up is sent again."""
    try:
        notify.requeue(notification_id, number, request.user)  # type: ignore[arg-type]
        messages.success(request, _("The email will be sent again."))
    except OpenIvanError as exc:
        # The message first, in the officer's words; its code after it, for a support call.
        messages.error(request, f"{exc.message(request.LANGUAGE_CODE)} ({exc.code})")
    return redirect("agency:dossier", number=number)


@officer_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """Danh bạ đơn vị: the units' registrations, by name; searched by tax code, unit code or
    name (with or without accents), filtered by status and provider."""
    listing = RegistryListing.from_query(request.GET)
    page = CappedPaginator(listing.rows(), PAGE_SIZE, LIST_CAP).get_page(request.GET.get("page"))
    return render(request, "agency/unit_list.html", {
        "page": page, "status": listing.status, "provider": listing.provider, "q": listing.q,
        "query": listing.query(),
        "providers": IvanProvider.objects.order_by("code").values_list("code", "name"),
        "statuses": [("active", _("Transacting")), ("stopped", _("Stopped")),
                     ("all", _("All"))]})


@officer_required
def unit_export(request: HttpRequest) -> HttpResponse:
    listing = RegistryListing.from_query(request.GET)
    services.record_export(request.user, "registry", listing.query())  # type: ignore[arg-type]
    header = [_("Tax code"), _("Unit name"), _("Unit code"), _("Email"), _("I-VAN provider"),
              _("Status"), _("Registered from"), _("Registered until")]
    rows = ([r.tax_code, r.name, r.unit_code, r.email, r.provider.code,
             r.get_status_display(), f"{r.since:%d/%m/%Y}", r.until and f"{r.until:%d/%m/%Y}"]
            for r in listing.rows().iterator(chunk_size=EXPORT_CHUNK))
    return csv_response(f"don-vi-{timezone.localdate():%Y%m%d}.csv", header, rows)


@officer_required
def unit_detail(request: HttpRequest, tax_code: str) -> HttpResponse:
    """Registry of one unit: its providers, certificates, dates, status, dossiers."""
    registrations = (UnitRegistration.objects.filter(tax_code=tax_code)
                     .select_related("provider").prefetch_related("certificates")
                     .order_by("-since"))
    dossiers = Dossier.objects.filter(unit_tax_code=tax_code).order_by("-received_at")
    if not registrations and not dossiers:
        raise Http404(tax_code)
    return render(request, "agency/unit_detail.html", {
        "tax_code": tax_code, "registrations": registrations, "dossiers": dossiers})


# ---------------------------------------------------------------- audit log

audit_reader_required = permission_required("platform.view_auditevent",
                                            login_url="accounts:login")


@audit_reader_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Nhật ký kiểm toán: every audited change, newest first, filtered by who, what, on what
    and when; the console's own page (the admin's list stays for administrators)."""
    rows = AuditEvent.objects.all()
    labels = names.audit_actions()
    actor, action, target = (request.GET.get(k, "").strip()[:120]
                             for k in ("actor", "action", "target"))
    if actor:
        rows = rows.filter(actor__icontains=actor)
    if action:
        rows = rows.filter(action=action)
    if target:
        rows = rows.filter(target__icontains=target)
    errors: dict[str, str] = {}
    dates: dict[str, str] = {}
    for key in ("since", "until"):
        value = request.GET.get(key, "").strip()[:10]
        dates[key] = value
        if not value:
            continue
        try:
            day = parse_date(value)
        except OpenIvanError as exc:
            errors[key] = exc.message(request.LANGUAGE_CODE)
            continue
        rows = rows.filter(at__date__gte=day) if key == "since" else rows.filter(at__date__lte=day)
    page = CappedPaginator(rows, PAGE_SIZE, LIST_CAP).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in {"actor": actor, "action": action, "target": target,
                                         **dates}.items() if v})
    return render(request, "agency/audit_log.html", {
        "page": page, "events": [(e, name(labels, e.action)) for e in page],
        "actor": actor, "action": action, "target": target, "dates": dates, "errors": errors,
        "query": query, "actions": sorted(labels.items(), key=lambda a: a[1])},
        status=422 if errors else 200)


def parse_date(value: str) -> Any:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise OpenIvanError("DATE_INVALID", value=value) from None
