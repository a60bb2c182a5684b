from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from openivan.accounts import services
from openivan.conf.clients import client_address
from openivan.core.errors import OpenIvanError


class ThrottledLogin:
    """For an AuthenticationForm: counts failures per account and per caller's address, and
    refuses further tries while either is locked (except from a browser known to the account:
    `services.check_login_allowed`). Every sign-in form must have it — the
    portal's and the admin's — or the other one is a way around the lockout."""

    request: HttpRequest
    data: Any
    user_cache: Any

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        client = client_address(self.request.META)
        device = services.known_device(username, self.request.COOKIES)
        try:
            services.check_login_allowed(username, client, device)
        except OpenIvanError as exc:
            raise forms.ValidationError(exc.message(self.request.LANGUAGE_CODE),
                                        code=exc.code) from exc
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            services.login_failed(username, client, device)
            raise
        if self.user_cache is not None:  # not when a field was missing: nothing was checked
            services.login_succeeded(username, device)
            # Set on the response by KnownDeviceMiddleware (a form has no response).
            self.request.known_device_cookie = services.new_device_cookie(  # type: ignore[attr-defined]
                username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLogin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLogin, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Đổi mật khẩu: also where a one-time password leads at the first login."""

    template_name = "accounts/password_change.html"
    success_url = "/"

    def form_valid(self, form: Any) -> HttpResponse:
        services.change_password(form)
        update_session_auth_hash(self.request, form.user)  # stay signed in, as Django does
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["one_time"] = services.must_change_password(self.request.user)
        return context
