"""Chứng thư số › Thêm mới: a certificate from an HSM ("Tích chọn hình thức HSM", the service,
account and password, "Lấy dữ liệu chứng thư", pick one, "Xác nhận" / "Hủy") or from a USB token
(listed by the signing agent in the browser; the server checks the one chosen). And "Kích hoạt":
a notice, then Điều chỉnh IVAN with that certificate chosen."""

from __future__ import annotations

import base64
import binascii
import json

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openivan.core.errors import OpenIvanError
from openivan.core.signers.csc import CscAccount
from openivan.platform import sealing
from openivan.platform.middleware import reaches_signing_agent
from openivan.provider.models import CertificateStatus, Unit
from openivan.provider.pages import agent_ports, page_context, unit_page
from openivan.provider.services import certificates, units

SESSION_KEY = "provider-hsm"  # the HSM account being looked at, sealed, until Xác nhận / Hủy


class HsmForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("Signing service address"), max_length=500,
                         assume_scheme="https")
    account = forms.CharField(label=gettext_lazy("Account"), max_length=200)
    password = forms.CharField(label=gettext_lazy("Password"), max_length=200,
                               widget=forms.PasswordInput)


@unit_page
def add(request: HttpRequest, unit: Unit) -> HttpResponse:
    """Thêm mới: HSM or USB token."""
    if request.GET.get("source") == "token":
        return _token(request, unit)
    if request.GET.get("source") == "hsm" or request.method == "POST":
        return _hsm(request, unit)
    return render(request, "provider/certificate_add.html", page_context(request, unit,
                                                                   tab="certificates"))


def _hsm(request: HttpRequest, unit: Unit) -> HttpResponse:
    action = request.POST.get("action", "")
    if action == "cancel":
        request.session.pop(SESSION_KEY, None)
        return redirect("provider:certificates", unit.tax_code)
    if action == "confirm":
        return _hsm_confirm(request, unit)
    form = HsmForm(request.POST or None)
    offered = None
    if action == "fetch" and form.is_valid():
        hsm = CscAccount(**form.cleaned_data)
        try:
            offered = certificates.hsm_certificates(unit, hsm)
        except OpenIvanError as exc:
            form.add_error(None, f"{exc.message(request.LANGUAGE_CODE)} ({exc.code})")
        else:
            request.session[SESSION_KEY] = {"unit": unit.tax_code, "sealed": sealing.seal(
                json.dumps(form.cleaned_data)).decode()}
    return render(request, "provider/certificate_hsm.html", page_context(
        request, unit, tab="certificates", form=form, offered=offered),
        status=422 if form.errors else 200)


def _hsm_confirm(request: HttpRequest, unit: Unit) -> HttpResponse:
    kept = request.session.get(SESSION_KEY)
    if not kept or kept.get("unit") != unit.tax_code:
        messages.error(request, _("The HSM account is no longer open: fetch its certificates "
                                  "again."))
        return redirect(reverse("provider:certificate-add", args=[unit.tax_code]) + "?source=hsm")
    hsm = CscAccount(**json.loads(sealing.unseal(kept["sealed"].encode())))
    try:
        added = certificates.add_hsm_certificate(unit, hsm, request.POST.get("credential", ""),
                                                 request.user)  # type: ignore[arg-type]
    except OpenIvanError as exc:
        messages.error(request, f"{exc.message(request.LANGUAGE_CODE)} ({exc.code})")
        return redirect(reverse("provider:certificate-add", args=[unit.tax_code]) + "?source=hsm")
    request.session.pop(SESSION_KEY, None)
    return _added(request, unit, added.serial)


@reaches_signing_agent
def _token(request: HttpRequest, unit: Unit) -> HttpResponse:
    error = None
    if request.method == "POST":
        try:
            der = base64.b64decode(request.POST.get("certificate", ""), validate=True)
            added = certificates.add_token_certificate(
                unit, der, request.POST.get("token_label", ""), request.user)  # type: ignore[arg-type]
            return _added(request, unit, added.serial)
        except binascii.Error:
            error = OpenIvanError("CERTIFICATE_NOT_CHOSEN")
        except OpenIvanError as exc:
            error = exc
    return render(request, "provider/certificate_token.html", page_context(
        request, unit, tab="certificates", error=error, ports=agent_ports(),
        error_text=error.message(request.LANGUAGE_CODE) if error else ""),
        status=422 if error else 200)


def _added(request: HttpRequest, unit: Unit, serial: str) -> HttpResponse:
    messages.success(request, _("Certificate %(serial)s was added. To transact with it, "
                                "activate it: the agency must accept a registration or a "
                                "change naming it.") % {"serial": serial})
    return redirect("provider:certificates", unit.tax_code)


@unit_page
def activate(request: HttpRequest, unit: Unit, certificate_id: int) -> HttpResponse:
    """Kích hoạt (seed 001, "Cách 2"): what activation means, then the declaration that does
    it — Điều chỉnh IVAN with this certificate chosen (Đăng ký IVAN before any registration)."""
    chosen = unit.certificates.filter(pk=certificate_id,
                                      status=CertificateStatus.PENDING).first()
    if chosen is None:
        return redirect("provider:certificates", unit.tax_code)
    kind = "change" if units.is_registered(unit) else "register"
    target = reverse("provider:declare", args=[unit.tax_code, kind]) + f"?certificate={chosen.pk}"
    return render(request, "provider/certificate_activate.html", page_context(
        request, unit, tab="certificates", chosen=chosen, kind=kind, target=target))
