"""The provider's declaration screens: Đăng ký IVAN (04/ĐK-IVAN), Điều chỉnh IVAN (05/SĐ-IVAN),
Ngưng IVAN and Ngưng IVAN khác (06/NG-IVAN) — "Lưu" keeps a draft, "Ký và gửi BH" signs it
with the chosen certificate (its file on the server, an HSM through CSC as a job, a USB token
through the signing agent in the browser) and hands it to the sending job."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openivan.core.declarations import LABELS
from openivan.core.errors import MESSAGES, OpenIvanError
from openivan.platform.middleware import reaches_signing_agent
from openivan.provider.forms import FORMS, DeclarationForm
from openivan.provider.models import (
    CertificateSource,
    CertificateStatus,
    Transaction,
    TransactionKind,
    TransactionStatus,
    Unit,
)
from openivan.provider.pages import (
    agent_ports,
    other_providers,
    page_context,
    transaction_or_404,
    unit_page,
)
from openivan.provider.services import certificates, sending, transactions

S = TransactionStatus


@unit_page
def new(request: HttpRequest, unit: Unit, kind: str) -> HttpResponse:
    if kind not in TransactionKind.values:
        return redirect("provider:unit", unit.tax_code)
    return _screen(request, unit, kind, None)


@unit_page
def edit(request: HttpRequest, unit: Unit, transaction_id: int) -> HttpResponse:
    tx = transaction_or_404(unit, transaction_id)
    if tx.status != S.DRAFT:
        return redirect("provider:transaction", unit.tax_code, tx.pk)
    return _screen(request, unit, tx.kind, tx)


def _screen(request: HttpRequest, unit: Unit, kind: str, tx: Transaction | None) -> HttpResponse:
    form = _form(request, unit, kind, tx)
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, unit, kind, form.cleaned_data, tx)
            if saved.status != S.DRAFT:  # a second click: the first one went on already
                return redirect("provider:transaction", unit.tax_code, saved.pk)
            if request.POST.get("action") == "send":
                return _sign_and_send(request, unit, saved)
            messages.success(request, _("The declaration was saved as a draft."))
            return redirect("provider:declaration", unit.tax_code, saved.pk)
        except OpenIvanError as exc:
            landed = _landed_elsewhere(unit, tx, form.cleaned_data.get("form_key", ""))
            if landed is not None:
                return redirect("provider:transaction", unit.tax_code, landed.pk)
            _mark(form, exc, request.LANGUAGE_CODE)
    return render(request, "provider/declaration.html", page_context(
        request, unit, tab="unit", form=form, kind=kind, kind_label=TransactionKind(kind).label,
        tx=tx, registered=_registered(unit, kind), profile_missing=form.profile_missing),
        status=422 if form.errors else 200)


def _form(request: HttpRequest, unit: Unit, kind: str, tx: Transaction | None) -> DeclarationForm:
    initial: dict[str, Any] = {"form_key": tx.idempotency_key if tx else _new_key(),
                               "version": tx.version if tx else None}
    if tx is not None:
        initial.update(tx.form)
        initial["certificate"] = str(tx.certificate_id or "")
        if tx.form.get("other_code"):
            initial["other_provider"] = f"{tx.form['other_code']}|{tx.form['other_name']}"
    else:
        initial.update(_prefilled(unit, kind, request.GET.get("certificate", "")))
    extra: dict[str, Any] = {"certificates": _certificate_choices(unit)}
    if kind == TransactionKind.STOP_OTHER:
        extra["providers"] = other_providers()
    form = FORMS[kind](request.POST or None, initial=initial, language=request.LANGUAGE_CODE,
                       **extra)
    form.profile_missing = []  # type: ignore[attr-defined]
    return form


def _save(request: HttpRequest, unit: Unit, kind: str, data: dict[str, Any],
          tx: Transaction | None) -> Transaction:
    fields = dict(data)
    other = fields.pop("other_provider", "")
    if other:
        fields["other_code"], _sep, fields["other_name"] = other.partition("|")
    return transactions.save_draft(
        unit, kind, fields, request.user,  # type: ignore[arg-type]
        transaction_id=tx.pk if tx else None, version=data.get("version"),
        idempotency_key=data["form_key"])


def _sign_and_send(request: HttpRequest, unit: Unit, tx: Transaction) -> HttpResponse:
    """Ký và gửi BH: a file signs here and goes to the sending job; an HSM signs in a job; a
    token signs in the browser, on the signing page."""
    transactions.declaration(tx)  # every missing field named before anything is signed
    chosen = tx.certificate
    if chosen is None:
        raise OpenIvanError("CERTIFICATE_NOT_CHOSEN")
    if chosen.source == CertificateSource.FILE:
        signed = transactions.sign_with_key(unit, tx.pk, certificates.file_key(chosen),
                                            request.user)  # type: ignore[arg-type]
        sending.queue(signed.pk)  # the sending job with it
        messages.success(request, _sent_message())
    else:
        transactions.start_signing(unit, tx.pk, request.user)  # type: ignore[arg-type]
        if chosen.source == CertificateSource.TOKEN:
            return redirect("provider:sign", unit.tax_code, tx.pk)
    return redirect("provider:transaction", unit.tax_code, tx.pk)


@unit_page
@reaches_signing_agent
def sign(request: HttpRequest, unit: Unit, transaction_id: int) -> HttpResponse:
    """Ký bằng USB Token: the page hands the fixed bytes to the signing agent and posts back
    what it signed (believed only if it is the prepared dossier, signed by the chosen
    certificate)."""
    tx = transaction_or_404(unit, transaction_id)
    if request.method == "POST":
        return _token_signed(request, unit, tx)
    if tx.status != S.SIGNING:
        return redirect("provider:transaction", unit.tax_code, tx.pk)
    return render(request, "provider/sign.html", page_context(
        request, unit, tab="history", tx=tx,
        unsigned_b64=base64.b64encode(bytes(tx.unsigned_xml)).decode(), ports=agent_ports()))


def _token_signed(request: HttpRequest, unit: Unit, tx: Transaction) -> HttpResponse:
    try:
        signed = transactions.finish_token_signing(unit, tx.pk, request.body,
                                                   request.user)  # type: ignore[arg-type]
    except OpenIvanError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message(request.LANGUAGE_CODE)},
                            status=422)
    if signed.status == S.SIGNED:
        sending.queue(signed.pk)
        messages.success(request, _sent_message())
    return JsonResponse({"next": reverse("provider:transaction", args=[unit.tax_code, signed.pk])})


@unit_page
@require_POST
def cancel_signing(request: HttpRequest, unit: Unit, transaction_id: int) -> HttpResponse:
    """Hủy: the token was not there, or the user changed their mind; the draft comes back."""
    tx = transaction_or_404(unit, transaction_id)
    code = request.POST.get("code", "")
    error = OpenIvanError(code if code in MESSAGES else "SIGNING_CANCELLED")
    transactions.signing_failed(tx.pk, error)
    return redirect("provider:declaration", unit.tax_code, tx.pk)


@unit_page
def status(request: HttpRequest, unit: Unit, transaction_id: int) -> HttpResponse:
    """The status box alone, for the page to refresh itself while a job works (htmx); once
    the status changes, the whole page (its actions and files depend on the status)."""
    tx = transaction_or_404(unit, transaction_id)
    response = render(request, "provider/_status.html", {"unit": unit, "tx": tx})
    if request.GET.get("shown") and request.GET["shown"] != tx.status:
        response["HX-Refresh"] = "true"
    return response


def _mark(form: DeclarationForm, exc: OpenIvanError, language: str) -> None:
    """An error of the service beside the field it is about, or at the top; missing profile
    fields are named with a link to the profile."""
    if exc.code != "DECLARATION_INCOMPLETE":
        form.add_error(None, f"{exc.message(language)} ({exc.code})")
        return
    for name in exc.details.get("fields", []):
        label = LABELS.get(name, (name, name))[0 if language == "vi" else 1]
        if name in form.fields:
            form.add_error(name, _("This field is required to sign and send."))
        elif name == "other_provider":
            form.add_error(None, label)
        else:
            form.profile_missing.append(label)  # type: ignore[attr-defined]
    if form.profile_missing:  # type: ignore[attr-defined]
        form.add_error(None, exc.message(language))


def _landed_elsewhere(unit: Unit, tx: Transaction | None, form_key: str) -> Transaction | None:
    """The same screen submitted twice: the transaction the first submit moved on."""
    found = (Transaction.objects.filter(unit=unit, pk=tx.pk).first() if tx else
             Transaction.objects.filter(unit=unit, idempotency_key=form_key).first())
    return found if found is not None and found.status != S.DRAFT else None


def _prefilled(unit: Unit, kind: str, certificate: str) -> dict[str, Any]:
    chosen = certificate if certificate.isdigit() else ""
    if not chosen and kind != TransactionKind.CHANGE:
        in_use = transactions.in_use_certificate(unit) or unit.certificates.first()
        chosen = str(in_use.pk) if in_use else ""
    values: dict[str, Any] = {"certificate": chosen}
    if kind == TransactionKind.CHANGE:
        values.update(contact_person=unit.contact_person, phone=unit.phone, email=unit.email)
    return values


def _certificate_choices(unit: Unit) -> list[tuple[str, str]]:
    usable = unit.certificates.exclude(status=CertificateStatus.REPLACED)
    return [(str(c.pk), f"{c.serial} — {c.subject} ({c.get_source_display()}, "
             f"{c.not_after:%d/%m/%Y})") for c in usable]


def _registered(unit: Unit, kind: str) -> Any:
    if kind != TransactionKind.CHANGE:
        return None
    try:
        return transactions.registered_details(unit)
    except OpenIvanError:
        return None


def _sent_message() -> str:
    return _("Signed and handed over for sending to the agency. Once the agency has received "
             "it, check the unit's mailbox for the agency's email “Xác nhận …” with the "
             "activation link and code.")


def _new_key() -> str:
    return f"OPENIVAN-{uuid.uuid4().hex}"
