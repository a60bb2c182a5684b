"""The individuals' pages for 01/ĐK-GD (seed 004): the form, "Xác nhận thông tin" with the
choice of filing, the desk path's reference code and printable Mẫu số 01, signing with a USB
token through the local signing agent, and the status lookup by reference code.

Nothing here needs an account: what the person typed lives in their session until it becomes
a declaration; a desk declaration's page and PDF are shown only to the session that made it
(the lookup by reference code shows its status, never its contents)."""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from openivan.core import reference as references
from openivan.core.errors import OpenIvanError, http_status
from openivan.core.xml import individual
from openivan.platform.clients import client_address
from openivan.platform.middleware import reaches_signing_agent
from openivan.portal.declaration_form import (
    CONFIRMATION_ELEMENTS,
    FIELD_OF_ELEMENT,
    IndividualDeclarationForm,
    anchor,
)
from openivan.portal.models import Declaration, DeclarationStatus, Filing, ReceptionPoint
from openivan.portal.services import declarations, intake

S = DeclarationStatus
FORM_KEY = "portal.declaration"  # the form's values, between the form and its confirmation
MINE_KEY = "portal.references"  # the desk declarations this session made (their PDF)
# The signing agent and a slow token: the page polls the status while the intake works.
POLL_SECONDS = 3
REMOTE = "csc"  # the certificate path's second signer: a remote signing service (remote.py)


def _language(request: HttpRequest) -> str:
    return "en" if getattr(request, "LANGUAGE_CODE", "vi") == "en" else "vi"


# ---------------------------------------------------------------- the form

@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Tờ khai 01/ĐK-GD: each problem beside its field, and all of them linked at the top."""
    if request.method == "POST":
        form = IndividualDeclarationForm(request.POST)
        form.is_valid()  # every field optional: the checks are core's
        values = form.values()
        try:
            model = declarations.check_form(values)
            declarations.check_may_declare(model.bhxh_number)
        except OpenIvanError as exc:
            _mark(form, exc, _language(request))
        else:
            request.session[FORM_KEY] = values
            return redirect("portal:confirm")
    else:
        form = IndividualDeclarationForm(initial=request.session.get(FORM_KEY))
    return render(request, "portal/declare.html", _page(
        form=form, summary=_summary(form), agencies=declarations.active_reception_points()),
        status=422 if form.errors else 200)


def _mark(form: IndividualDeclarationForm, exc: OpenIvanError, language: str) -> None:
    """Each of core's problems beside its field; a refusal about the person (an account, a
    declaration in progress) beside the BHXH number."""
    if exc.code in ("PORTAL_ACCOUNT_EXISTS", "PORTAL_DECLARATION_IN_PROGRESS"):
        form.add_error("bhxh_number", f"{exc.message(language)} ({exc.code})")
        return
    if exc.code != "DECLARATION_INVALID":
        form.add_error(None, f"{exc.message(language)} ({exc.code})")
        return
    for problem in exc.details.get("problems", []):
        message = problem["message_en" if language == "en" else "message"]
        name = FIELD_OF_ELEMENT.get(problem["field"])
        if name is not None:
            form.add_error(name, f"{message} ({problem['code']})")
        elif problem["field"] not in CONFIRMATION_ELEMENTS:
            form.add_error(None, f"{message} ({problem['code']})")


def _summary(form: IndividualDeclarationForm) -> list[dict[str, str]]:
    """The error summary's lines: label, message, and the id of the field to go to."""
    lines = [{"href": f"#{anchor(form, name)}", "label": str(form[name].label), "message": e}
             for name in form.fields for e in form.errors.get(name, [])]
    lines += [{"href": "", "label": "", "message": e} for e in form.non_field_errors()]
    return lines


def _stored_form(request: HttpRequest) -> dict[str, Any] | None:
    values = request.session.get(FORM_KEY)
    return values if isinstance(values, dict) else None


# ---------------------------------------------------------------- confirmation

@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """Xác nhận thông tin: what the declaration says, then how it is filed — signed with a
    certificate, or at a BHXH reception point (and which)."""
    values = _stored_form(request)
    if values is None:
        mine = request.session.get(MINE_KEY, [])
        if request.method == "POST" and mine:  # a second click: the first one filed it
            return redirect("portal:desk-done", mine[-1])
        return redirect("portal:declare")
    try:
        model = declarations.check_form(values)
    except OpenIvanError:  # the catalogue or the date moved on: back to the form
        return redirect("portal:declare")
    points = declarations.active_reception_points()
    error, error_field = "", "filing-certificate"
    chosen_filing, chosen_point = request.POST.get("filing", ""), ""
    if request.method == "POST":
        chosen_point = request.POST.get("reception_point", "")
        if chosen_filing == Filing.CERTIFICATE:
            if request.POST.get("signer") == REMOTE:
                return redirect("portal:sign-remote")
            return redirect("portal:sign")
        if chosen_filing == Filing.DESK:
            point = ReceptionPoint.objects.filter(code=chosen_point, active=True).first()
            try:
                if point is None:
                    raise OpenIvanError("PORTAL_RECEPTION_POINT_UNKNOWN")
                # Each desk declaration sends an SMS and holds the person's number for 10 days:
                # one address gets the API's budget of declarations a minute, no more.
                intake.check_rate(client_address(request.META))
                declaration = declarations.confirm_for_desk(values, point)
            except OpenIvanError as exc:
                error = f"{exc.message(_language(request))} ({exc.code})"
                if exc.code == "PORTAL_RECEPTION_POINT_UNKNOWN":
                    error_field = "reception-point"
            else:
                mine = [*request.session.get(MINE_KEY, []), declaration.reference][-10:]
                request.session[MINE_KEY] = mine
                request.session.pop(FORM_KEY, None)
                return redirect("portal:desk-done", declaration.reference)
        else:
            error = _("Choose how you will file the declaration.")
    return render(request, "portal/confirm.html", _page(
        model=model, rows=_rows(model), transactions=_transactions(model), points=points,
        error=error, error_field=error_field, chosen_filing=chosen_filing,
        chosen_point=chosen_point),
        status=422 if error else 200)


def _rows(model: individual.IndividualRegistration) -> list[tuple[str, str]]:
    """What the confirmation page shows, labelled as the printed form labels it."""
    id_names = {"CCCD": _("Citizen identity card (CCCD)"), "CMND": _("Identity card (CMND)"),
                "HoChieu": _("Passport")}
    return [
        (_("Full name"), model.full_name),
        (_("Date of birth"), model.birth_date.strftime("%d/%m/%Y")),
        (_("Sex"), _("Male") if model.sex == "Nam" else _("Female")),
        (_("Social insurance number (mã số BHXH)"), model.bhxh_number),
        (_("Type of identity document"), id_names.get(model.id_type, model.id_type)),
        (_("Document number"), model.id_number),
        (_("Date of issue"), model.id_issued_on.strftime("%d/%m/%Y")),
        (_("Place of issue"), model.id_issued_by),
        (_("Contact address"), model.address),
        (_("Mobile phone number"), model.mobile),
        (_("Email address"), model.email or "—"),
        (_("Social security office receiving the declaration"), model.agency),
        (_("Place of declaration"), model.place),
    ]


def _transactions(model: individual.IndividualRegistration) -> list[str]:
    return [individual.TRANSACTIONS.get(t.code, t.code) for t in model.transactions]


# ---------------------------------------------------------------- desk path

def _mine(request: HttpRequest, code: str) -> Declaration:
    """A desk declaration this session made; anyone else looks it up by its status only."""
    if code not in request.session.get(MINE_KEY, []):
        raise Http404
    declaration = Declaration.objects.select_related("reception_point").filter(
        reference=code).first()
    if declaration is None:
        raise Http404
    return declaration


@require_GET
def desk_done(request: HttpRequest, code: str) -> HttpResponse:
    """The reference code, the printable form, what to bring to the desk and by when."""
    try:
        declaration = _mine(request, code)
    except Http404:
        return redirect("portal:status", code)
    return render(request, "portal/desk_done.html", _page(
        declaration=declaration, code=references.display(declaration.reference),
        days=declarations.filing_days(),
        deadline=timezone.localtime(declaration.deadline_at)))


@require_GET
def desk_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Mẫu số 01 as a PDF (rendered on the first download and kept)."""
    declaration = _mine(request, code)
    response = HttpResponse(declarations.form_pdf(declaration), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="mau-01-{references.display(declaration.reference)}.pdf"')
    return response


# ---------------------------------------------------------------- certificate path

@require_http_methods(["GET", "POST"])
@reaches_signing_agent
def sign(request: HttpRequest) -> HttpResponse:
    """Ký bằng chứng thư số: the page hands the unsigned 01/ĐK-GD to the local signing agent,
    which shows it and signs it with the person's token certificate; the signed bytes come
    back here and go to the intake (which checks the signature, the certificate, its
    revocation and that it is the declared person's)."""
    if request.method == "POST":
        return _signed(request)
    values = _stored_form(request)
    if values is None:
        return redirect("portal:declare")
    try:
        model = declarations.check_form(values)
        unsigned = individual.build(model)
    except OpenIvanError:
        return redirect("portal:declare")
    return render(request, "portal/sign.html", _page(
        model=model, unsigned_b64=base64.b64encode(unsigned).decode(),
        ports=",".join(str(p) for p in settings.OPENIVAN_SIGNER_PORTS)))


def _signed(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    try:
        intake.check_rate(client_address(request.META))  # as the API's POST
        declaration = intake.receive_signed(request.body)
    except OpenIvanError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message(language),
                             "problems": exc.details.get("problems", [])},
                            status=429 if exc.code == "RATE_LIMITED" else 422)
    request.session.pop(FORM_KEY, None)
    return JsonResponse({"next": reverse("portal:status", args=[declaration.reference])})


# ---------------------------------------------------------------- status lookup

# The codes whose status page this browser opened (the last few): their box refreshes freely.
SHOWN_KEY = "openivan_portal_shown"


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """Tra cứu tờ khai: a reference code, checked before any query."""
    typed = request.GET.get("ma", "").strip()
    error, status_code = "", 200
    if typed:
        try:
            found = declarations.lookup(typed, client_address(request.META))
        except OpenIvanError as exc:
            error = f"{exc.message(_language(request))} ({exc.code})"
            status_code = http_status(exc.code)
        else:
            return redirect("portal:status", found.reference)
    return render(request, "portal/lookup.html", _page(tab="lookup", typed=typed, error=error),
                  status=status_code)


@require_GET
def status(request: HttpRequest, code: str) -> HttpResponse:
    """One declaration's status; while the automatic processing runs, the page asks again
    every few seconds (htmx) until it is accepted or refused."""
    try:
        declaration = declarations.lookup(code, client_address(request.META))
    except OpenIvanError as exc:
        return render(request, "portal/lookup.html", _page(
            tab="lookup", typed=code, error=f"{exc.message(_language(request))} ({exc.code})"),
            status=http_status(exc.code))
    reference = declaration.reference
    shown = [c for c in request.session.get(SHOWN_KEY, []) if c != reference][-4:]
    request.session[SHOWN_KEY] = [*shown, reference]  # its refresh: see status_box
    return render(request, "portal/status.html",
                  _page(tab="lookup", **_status(request, declaration)))


@require_GET
def status_box(request: HttpRequest, code: str) -> HttpResponse:
    """The status box alone, for the page to refresh itself (htmx). The code the status page
    showed this browser refreshes freely; any other counts against the client's address like
    the status page's (an address shared behind a carrier's NAT, held back by someone's
    guesses, must not freeze a person's own page)."""
    try:
        if code in request.session.get(SHOWN_KEY, []):
            declaration = declarations.find_by_reference(code)
        else:
            declaration = declarations.lookup(code, client_address(request.META))
    except OpenIvanError as exc:
        raise Http404 from exc
    return render(request, "portal/_status.html", _page(**_status(request, declaration)))


def _status(request: HttpRequest, declaration: Declaration) -> dict[str, Any]:
    problem = declarations.reference_problem(declaration)
    language = _language(request)
    return {
        "declaration": declaration, "code": references.display(declaration.reference),
        "problem": f"{problem.message(language)} ({problem.code})" if problem else "",
        "processing": declaration.status == S.RECEIVED and declaration.filing == Filing.CERTIFICATE,
        "poll": POLL_SECONDS, "deadline": timezone.localtime(declaration.deadline_at),
        "reasons": [public_reason(r) for r in declaration.reasons],
    }


def public_reason(reason: dict[str, Any]) -> str:
    """A refusal's reason as an anonymous page may show it: which part of the form, and what
    kind of problem, never the values declared or found (a name, a date of birth, an ID
    number). The whole reasons went to the person by SMS and email (01/TB-GDĐT)."""
    code = str(reason.get("code", ""))
    label = individual.LABELS.get(str(reason.get("element", "")), "")
    if code == "RECORD_NOT_FOUND":
        kind = _("not found in the agency's records")
    elif code.startswith("RECORD_"):
        kind = _("does not match the agency's records")
    elif code.startswith("CERT_"):
        kind = _("the certificate cannot be used for this declaration")
    elif code.startswith(("SIG_", "XML_")):
        kind = _("the digital signature is not valid")
    else:
        kind = _("is not valid")
    return f"{label}: {kind} ({code})" if label else f"{kind} ({code})"


def _page(**context: Any) -> dict[str, Any]:
    return {"hotline": settings.OPENIVAN_AGENCY_HOTLINE,
            "days": declarations.filing_days(), "tab": "declare", **context}
