from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from openivan.accounts import services
from openivan.core.errors import OpenIvanError


class ThrottledAuthenticationForm(AuthenticationForm):
    """Counts failures per account; refuses further tries while the account is locked."""

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        try:
            services.check_login_allowed(username)
        except OpenIvanError as exc:
            raise forms.ValidationError(exc.message(self.request.LANGUAGE_CODE),  # type: ignore[union-attr]
                                        code=exc.code) from exc
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            services.login_failed(username, self.request.META.get("REMOTE_ADDR", ""))  # type: ignore[union-attr]
            raise
        if self.user_cache is not None:  # not when a field was missing: nothing was checked
            services.login_succeeded(username)
        return cleaned


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
