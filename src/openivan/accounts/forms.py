"""The accounts app's forms, which the other apps' sign-in and password pages are built on
(the provider's, the portal's): every sign-in form counts failures against the same lockout,
and every new password is checked by the same rules."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from openivan.accounts import services
from openivan.core.errors import OpenIvanError
from openivan.platform.clients import client_address


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
    # The platform's words, for the fields as the page labels them ("Tài khoản", "Mật khẩu").
    error_messages: ClassVar[dict[str, Any]] = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The account or the password is not right. Type them as the "
                           "agency's email gives them; capitals count in the password."),
        "inactive": _("This account is closed. Ask the agency if it should be open."),
    }


class ThrottledAdminAuthenticationForm(ThrottledLogin, AdminAuthenticationForm):
    pass


class FreshPasswordChangeForm(PasswordChangeForm):
    """A change that keeps the same password is none: refused, or a rotation asked every
    6 months could be "done" without changing anything. At the first sign-in the current
    password is the one-time password of the agency's email, and the page says so; a new
    password's faults are told under the new password, not under its confirmation."""

    def __init__(self, user: Any, *args: Any, one_time: bool = False, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = (
            _("One-time password (from the agency's email)") if one_time
            else _("Current password"))
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password2"].help_text = ""
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": (
                _("This is not the one-time password of the agency's email: type it as the "
                  "email gives it.") if one_time
                else _("This is not the account's current password.")),
            "password_mismatch": _("The two new passwords differ: type the same one twice."),
        }

    def clean(self) -> dict[str, Any]:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)

    def clean_new_password1(self) -> str:
        password: str = self.cleaned_data["new_password1"]
        # The old password is cleaned first (field_order) and checked against the account.
        if password == self.cleaned_data.get("old_password"):
            raise forms.ValidationError(
                _("The new password must differ from the current one."), code="password_reused")
        return password


class FreshSetPasswordForm(SetPasswordForm):
    """A new password without the current one (a reset after a code sent by SMS): the same
    rules as a change, the same one refused."""

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password2"].help_text = ""
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": _("The two new passwords differ: type the same one twice."),
        }

    def clean_new_password1(self) -> str:
        password: str = self.cleaned_data["new_password1"]
        if self.user.check_password(password):
            raise forms.ValidationError(
                _("The new password must differ from the current one."), code="password_reused")
        return password

    def clean(self) -> dict[str, Any]:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)
