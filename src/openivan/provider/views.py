"""The provider's pages for units: sign-in, the unit's profile, its certificates and its
transaction history (Lịch sử GD). Every page names the unit in its URL and serves it only to
an account that may act for it (any other: not found, whether it exists or not)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openivan.accounts.forms import ThrottledAuthenticationForm
from openivan.core.calendar import shown
from openivan.core.errors import OpenIvanError
from openivan.core.pki.admission import expiry_warning
from openivan.platform.csvfile import csv_response
from openivan.platform.paging import CappedPaginator
from openivan.provider import names
from openivan.provider import settings as provider_settings
from openivan.provider.forms import ProfileForm
from openivan.provider.models import Transaction, TransactionKind, TransactionStatus, Unit
from openivan.provider.pages import (
    page_context,
    provider_required,
    transaction_or_404,
    unit_page,
)
from openivan.provider.services import accounts, sending, units

PAGE_SIZE = 50
LIST_CAP = 10_000


class ProviderLoginForm(ThrottledAuthenticationForm):
    """Signed in with the unit's tax code (or a firm's own account name). A unit whose
    sign-up email is not confirmed yet is told so, not that its password is wrong."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if accounts.awaits_confirmation(self.cleaned_data.get("username", ""),
                                            self.cleaned_data.get("password", "")):
                raise forms.ValidationError(OpenIvanError("ACCOUNT_NOT_CONFIRMED").message(
                    translation.get_language() or "vi"), code="not_confirmed") from None
            raise

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        data = kwargs.get("data")
        if data is not None and data.get("username"):
            data = data.copy()
            data["username"] = accounts.username_for(data["username"])
            kwargs["data"] = data
        super().__init__(request, *args, **kwargs)


class LoginView(auth_views.LoginView):
    template_name = "provider/login.html"
    authentication_form = ProviderLoginForm

    def get_default_redirect_url(self) -> str:
        return reverse("provider:home")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Signed in, yet sent here from a page: the account may not open that page.
        context["no_permission"] = (self.request.user.is_authenticated
                                    and bool(context.get("next")))
        typed = context["form"].data.get("username", "")
        context["typed_login"] = typed.removeprefix(accounts.USERNAME_PREFIX)
        context["provider_name"] = provider_settings.provider().name
        return context


@provider_required
def home(request: HttpRequest) -> HttpResponse:
    """Straight to the unit when the account acts for one; a list to choose from otherwise."""
    mine = units.units_of(request.user)  # type: ignore[arg-type]
    if len(mine) == 1:
        return redirect("provider:unit", mine[0].tax_code)
    return render(request, "provider/choose.html", page_context(request, None, units_list=mine))


@provider_required
def choose_unit(request: HttpRequest) -> HttpResponse:
    """The unit switcher: to the same tab of the chosen unit."""
    tab = request.GET.get("tab", "unit")
    if tab not in ("unit", "certificates", "history"):
        tab = "unit"
    try:
        unit = units.unit_for(request.user, request.GET.get("tax_code", ""))  # type: ignore[arg-type]
    except OpenIvanError as exc:
        raise Http404(exc.message_vi) from exc
    return redirect(f"provider:{tab}", unit.tax_code)


@unit_page
def unit_profile(request: HttpRequest, unit: Unit) -> HttpResponse:
    """Đơn vị › Thông tin đơn vị: the profile, editable."""
    initial = {f: getattr(unit, f) for f in units.PROFILE_FIELDS}
    form = ProfileForm(request.POST or None, initial=initial, language=request.LANGUAGE_CODE)
    if request.method == "POST" and form.is_valid():
        units.update_profile(unit, form.cleaned_data, request.user)  # type: ignore[arg-type]
        messages.success(request, _("The unit's information was saved."))
        return redirect("provider:unit", unit.tax_code)
    return render(request, "provider/unit.html", page_context(request, unit, tab="unit", form=form,
                                                        actions=units.actions(unit)),
                  status=422 if form.errors else 200)


@unit_page
def unit_certificates(request: HttpRequest, unit: Unit) -> HttpResponse:
    """Đơn vị › Chứng thư số: each certificate with its state and the warning due."""
    now = timezone.now()
    rows = [{"certificate": c, "expired": c.not_after <= now,
             "warning": expiry_warning(c.not_after, now)} for c in unit.certificates.all()]
    return render(request, "provider/certificates.html",
                  page_context(request, unit, tab="certificates", rows=rows))


@unit_page
def history(request: HttpRequest, unit: Unit) -> HttpResponse:
    """Lịch sử GD: every register / change / stop, newest first, by kind and date."""
    listing = _history_filter(unit, request)
    page = CappedPaginator(listing.pop("rows"), PAGE_SIZE, LIST_CAP).get_page(
        request.GET.get("page"))
    return render(request, "provider/history.html", page_context(
        request, unit, tab="history", page=page, kinds=TransactionKind.choices, **listing))


@unit_page
def history_export(request: HttpRequest, unit: Unit) -> HttpResponse:
    """Kết xuất: the list as filtered, every row, as CSV."""
    rows = _history_filter(unit, request)["rows"]
    header = [_("Date"), _("Kind"), _("Dossier number"), _("Received"), _("Status"),
              _("Result"), _("Reason")]
    lines = ([shown(t.created_at), t.get_kind_display(), t.agency_number,
              t.received_at and shown(t.received_at), t.get_status_display(),
              _result(t), t.decision_reason or t.error_message] for t in rows.iterator())
    return csv_response(f"lich-su-gd-{unit.tax_code}-{timezone.localdate():%Y%m%d}.csv",
                        header, lines)


@unit_page
def transaction_detail(request: HttpRequest, unit: Unit, transaction_id: int) -> HttpResponse:
    """A transaction's detail, with "Tra cứu" (the agency's processing steps) and "Tải lại"
    (its latest result and answers), each asked of the agency when clicked."""
    tx = transaction_or_404(unit, transaction_id)
    steps: list[Any] | None = None
    if request.method == "POST" and tx.agency_number:
        client = provider_settings.agency_client()
        try:
            if request.POST.get("action") == "steps":
                steps = client.steps(tx.agency_number)
            else:
                tx = sending.refresh(tx, client)
                messages.success(request, _("The latest result was fetched from the agency."))
        except OpenIvanError as exc:
            messages.error(request, exc.message(request.LANGUAGE_CODE), extra_tags=exc.code)
        finally:
            client.close()
    return render(request, "provider/transaction.html", page_context(
        request, unit, tab="history", tx=tx, steps=steps, result=_result(tx),
        answers=[{"answer": a, "kind": names.ANSWER_KINDS.get(a.kind, a.kind),
                  "result": names.ANSWER_RESULTS.get(a.result, a.result)}
                 for a in tx.answers.all()]))


@unit_page
def transaction_file(request: HttpRequest, unit: Unit, transaction_id: int,
                     kind: str = "") -> HttpResponse:
    """The signed dossier as sent, or one of the agency's answers as received, byte for
    byte."""
    tx = transaction_or_404(unit, transaction_id)
    if kind:
        answer = tx.answers.filter(kind=kind).first()
        if answer is None:
            raise Http404(kind)
        data, name = bytes(answer.signed_xml), f"{tx.agency_number or tx.pk}-{kind}.xml"
    else:
        data, name = bytes(tx.signed_xml), f"{tx.agency_number or tx.pk}-ho-so.xml"
        if not data:
            raise Http404("unsigned")
    response = HttpResponse(data, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _history_filter(unit: Unit, request: HttpRequest) -> dict[str, Any]:
    kind = request.GET.get("kind", "")
    rows = unit.transactions.all()
    if kind in TransactionKind.values:
        rows = rows.filter(kind=kind)
    since, until = _day(request.GET.get("from")), _day(request.GET.get("to"))
    if since:
        rows = rows.filter(created_at__date__gte=since)
    if until:
        rows = rows.filter(created_at__date__lte=until)
    query = urlencode({k: v for k, v in request.GET.items() if k != "page"})
    return {"rows": rows.order_by("-created_at", "-id"), "kind": kind, "since": since,
            "until": until, "query": query}


def _result(tx: Transaction) -> str:
    """Kết quả as the seeds word it."""
    if tx.status == TransactionStatus.ACCEPTED:
        return str(TransactionStatus.ACCEPTED.label)
    if tx.status == TransactionStatus.REJECTED:
        return f"{TransactionStatus.REJECTED.label}: {tx.decision_reason}"
    return ""


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


