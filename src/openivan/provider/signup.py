"""Đăng ký tài khoản: a new unit signs up with its tax code, name, email and phone; the account
opens when the link of the confirmation email is followed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from openivan.core.errors import OpenIvanError
from openivan.provider import settings as provider_settings
from openivan.provider.forms import SignUpForm
from openivan.provider.services import accounts


def sign_up(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None, language=request.LANGUAGE_CODE)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.sign_up(data["tax_code"], data["name"], data["email"], data["phone"],
                             data["password1"], lambda token: request.build_absolute_uri(
                                 reverse("provider:signup-confirm", args=[token])))
        except OpenIvanError as exc:
            form.add_error("tax_code", exc.message(request.LANGUAGE_CODE))
        else:
            return render(request, "provider/signup_sent.html",
                          _context(email=data["email"]))
    return render(request, "provider/signup.html", _context(form=form),
                  status=422 if form.errors else 200)


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = accounts.confirm_sign_up(token)
    except OpenIvanError as exc:
        return render(request, "provider/signup_confirmed.html", _context(error=exc),
                      status=400)
    return render(request, "provider/signup_confirmed.html",
                  _context(login=accounts.login_of(user)))


def _context(**values: object) -> dict[str, object]:
    return {"provider_name": provider_settings.provider().name, **values}
