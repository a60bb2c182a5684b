"""Ký từ xa (HSM / CSC): the certificate path for a person whose key is at a remote signing
service. The person gives the service's address, the account and the password, picks the
credential whose certificate carries the declared CCCD/CMND, and the page waits ("Đang chờ
ký", htmx polling) while the job signs — the holder may approve on a phone for minutes — until
the declaration is received and the page moves to its status.

The password lives sealed in the session between listing and choosing, then sealed in the job's
row until the job ends (services/remote_signing.py)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from openivan.core.errors import OpenIvanError
from openivan.core.signers.csc import CscAccount
from openivan.platform import sealing
from openivan.platform.clients import client_address
from openivan.portal.declaring import FORM_KEY, POLL_SECONDS, _language, _page, _stored_form
from openivan.portal.models import JobStatus, RemoteSigning
from openivan.portal.services import declarations, intake, remote_signing

ACCOUNT_KEY = "portal.remote"  # the service, account and password being looked at, sealed


class ServiceForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("Remote signing service address"), max_length=500,
                         assume_scheme="https")
    account = forms.CharField(label=gettext_lazy("Account"), max_length=200)
    password = forms.CharField(label=gettext_lazy("Password"), max_length=200,
                               widget=forms.PasswordInput(attrs={
                                   "type": "password", "autocomplete": "current-password"}))

    def clean_url(self) -> str:
        """Only the remote signing services the deployment names (OPENIVAN_PORTAL_CSC_HOSTS)
        are called: the address comes from an anonymous page, and must not make the server
        call whatever host a visitor types."""
        url = str(self.cleaned_data["url"])
        if urlsplit(url).hostname not in settings.OPENIVAN_PORTAL_CSC_HOSTS:
            raise forms.ValidationError(gettext_lazy(
                "This remote signing service is not one the agency works with."))
        return url


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """The account's credentials ("Lấy danh sách chứng thư"), then "Ký" with the one chosen."""
    values = _stored_form(request)
    if values is None:
        return redirect("portal:declare")
    try:
        model = declarations.check_form(values)
    except OpenIvanError:
        return redirect("portal:declare")
    language = _language(request)
    action = request.POST.get("action", "")
    form = ServiceForm(request.POST if action == "fetch" else None)
    offered, error = None, ""
    if action == "fetch" and form.is_valid():
        service = CscAccount(**form.cleaned_data)
        try:
            # Each try signs in to the service with what was typed: an address gets the
            # declarations' budget a minute, so the page is no way to guess passwords there.
            intake.check_rate(client_address(request.META))
            offered = remote_signing.offered(service, model)
        except OpenIvanError as exc:
            error = f"{exc.message(language)} ({exc.code})"
        else:
            request.session[ACCOUNT_KEY] = sealing.seal(json.dumps(form.cleaned_data)).decode()
    elif action == "sign":
        try:
            row = remote_signing.request(model, _kept(request),
                                         request.POST.get("credential", ""))
        except OpenIvanError as exc:
            error = f"{exc.message(language)} ({exc.code})"
        else:
            request.session.pop(ACCOUNT_KEY, None)
            return redirect("portal:sign-remote-wait", row.token)
    return render(request, "portal/sign_remote.html", _page(
        model=model, form=form, offered=offered, error=error,
        usable=[o for o in offered or [] if o.refusal is None],
        refused=[(o, f"{o.refusal.message(language)} ({o.refusal.code})")
                 for o in offered or [] if o.refusal is not None]),
        status=422 if error or form.errors else 200)


def _kept(request: HttpRequest) -> CscAccount:
    kept = request.session.get(ACCOUNT_KEY)
    if not kept:
        raise OpenIvanError("PORTAL_REMOTE_ACCOUNT_CLOSED")
    return CscAccount(**json.loads(sealing.unseal(kept.encode())))


@require_GET
def wait(request: HttpRequest, token: str) -> HttpResponse:
    """Đang chờ ký: the page asks again every few seconds; received, it is the status page."""
    row = _row(token)
    if row.declaration_id is not None:
        request.session.pop(FORM_KEY, None)
        return redirect("portal:status", row.declaration.reference)  # type: ignore[union-attr]
    return render(request, "portal/sign_remote_wait.html", _page(**_state(request, row)))


@require_GET
def wait_box(request: HttpRequest, token: str) -> HttpResponse:
    """The waiting box alone (htmx); received, htmx is told to go to the status page."""
    row = _row(token)
    if row.declaration_id is not None:
        request.session.pop(FORM_KEY, None)
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("portal:status",
                                          args=[row.declaration.reference])  # type: ignore[union-attr]
        return response
    return render(request, "portal/_remote_wait.html", _page(**_state(request, row)))


def _row(token: str) -> RemoteSigning:
    row = remote_signing.find(token)
    if row is None:
        raise Http404
    return row


def _state(request: HttpRequest, row: RemoteSigning) -> dict[str, Any]:
    language = _language(request)
    return {"row": row, "poll": POLL_SECONDS,
            "waiting": row.status in (JobStatus.PENDING, JobStatus.RUNNING),
            "failed": row.status == JobStatus.FAILED,
            "error": f"{row.error.get(language, '')} ({row.error_code})" if row.error_code else ""}
