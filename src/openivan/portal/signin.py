"""The individuals' account pages: sign in (mã số BHXH or ID number, or an identity provider),
"quên mật khẩu" by a code sent by SMS, "tài khoản của tôi".

Built on the accounts app: its throttled sign-in form (lockout per account and per address,
known browsers), its password change page (the one-time password and the 6-month age are
enforced by its OneTimePasswordMiddleware on every page), its password rules and its second
factor. Nothing of those is written again here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from openivan.accounts import services as account_services
from openivan.accounts.forms import FreshSetPasswordForm, ThrottledAuthenticationForm
from openivan.accounts.models import AccountProfile
from openivan.accounts.services import second_factor
from openivan.core.errors import OpenIvanError, http_status
from openivan.platform.clients import client_address
from openivan.portal import identity
from openivan.portal.services import accounts

RESET_SESSION_KEY = "openivan_portal_reset"  # the identifier a reset code was asked for


class PersonAuthenticationForm(ThrottledAuthenticationForm):
    """The accounts app's sign-in, for a person: the account is named by its mã số BHXH or
    the ID number it was opened with (both count against the same lockout), and only a
    person's account opens here (a unit's or an officer's password fails like a wrong one)."""

    def __init__(self, request: HttpRequest | None = None, data: Any = None,
                 *args: Any, **kwargs: Any) -> None:
        if data is not None and data.get("username"):
            data = data.copy()
            data["username"] = accounts.username_for(data["username"])
        super().__init__(request, data, *args, **kwargs)
        self.fields["username"].label = gettext_lazy("BHXH number or ID number")

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not hasattr(user, "person"):
            raise self.get_invalid_login_error()


class PersonLoginView(auth_views.LoginView):
    template_name = "portal/account/login.html"
    authentication_form = PersonAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["providers"] = identity.providers()
        return context

    def get_success_url(self) -> str:
        return _after_sign_in(self.request, self.get_redirect_url())


def _after_sign_in(request: HttpRequest, wanted: str) -> str:
    """The page wanted, or the account page; by way of the password change when the
    password is the one-time one or too old (the middleware would send it there anyway: going
    straight saves a step and brings the person back here afterwards)."""
    target = wanted or reverse("portal:account")
    if account_services.password_state(request.user).must_change:  # type: ignore[arg-type]
        return f"{reverse('accounts:password_change')}?{urlencode({'next': target})}"
    return target


@method_decorator(never_cache, name="dispatch")
class AccountView(LoginRequiredMixin, View):
    """Tài khoản của tôi: whose account, the password's age and when it must change, the
    optional second factor."""

    login_url = "portal:login"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        person = getattr(user, "person", None)
        profile = AccountProfile.objects.filter(user_id=user.pk).first()
        state = account_services.password_state(user)  # type: ignore[arg-type]
        expires_at = None
        if profile and profile.password_changed_at and settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS > 0:
            expires_at = profile.password_changed_at + timedelta(
                days=settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS)
        return render(request, "portal/account/account.html", {
            "person": person, "profile": profile, "state": state, "expires_at": expires_at,
            "phone_hint": ("*" * 7 + person.phone[-3:]) if person else "",
            "second_factor_since": second_factor.enrolled_since(user),  # type: ignore[arg-type]
            "change_url": f"{reverse('accounts:password_change')}?next={request.path}",
            "second_factor_url": (f"{reverse('accounts:second_factor')}?setup=1&next="
                                  f"{request.path}"),
        })


class ForgotView(View):
    """Quên mật khẩu, step 1: the identifier; a code goes by SMS to the account's phone."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "portal/account/forgot.html",
                      {"per_day": settings.OPENIVAN_PORTAL_RESET_PER_DAY})

    def post(self, request: HttpRequest) -> HttpResponse:
        typed = request.POST.get("identifier", "")[:40]
        try:
            accounts.parse_identifier(typed)
            accounts.request_reset(typed, client_address(request.META))
        except OpenIvanError as exc:
            return render(request, "portal/account/forgot.html", {
                "identifier": typed, "error": exc.message(request.LANGUAGE_CODE),
                "code": exc.code, "per_day": settings.OPENIVAN_PORTAL_RESET_PER_DAY},
                status=http_status(exc.code))
        request.session[RESET_SESSION_KEY] = typed.strip()
        return redirect("portal:reset")


class ResetView(View):
    """Quên mật khẩu, step 2: the code of the SMS and the new password, on one page."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not request.session.get(RESET_SESSION_KEY):
            return redirect("portal:forgot")
        return self._page(request, self._form(request, None))

    def post(self, request: HttpRequest) -> HttpResponse:
        typed = request.session.get(RESET_SESSION_KEY)
        if not typed:
            return redirect("portal:forgot")
        form = self._form(request, request.POST)
        try:
            done = accounts.reset_password(typed, request.POST.get("code", "")[:20], form,
                                           client_address(request.META))
        except OpenIvanError as exc:
            return self._page(request, self._form(request, None),
                              error=exc.message(request.LANGUAGE_CODE), code=exc.code,
                              status=http_status(exc.code))
        if not done:
            return self._page(request, form, status=422)
        del request.session[RESET_SESSION_KEY]
        messages.success(request, _("Your password has been changed. Sign in with it."))
        return redirect("portal:login")

    @staticmethod
    def _form(request: HttpRequest, data: Any) -> FreshSetPasswordForm:
        user = accounts.user_of(request.session.get(RESET_SESSION_KEY, ""))
        # No such account: a form against a user that has no password, so that the page
        # looks and answers the same (the code is refused before the form counts).
        return FreshSetPasswordForm(user or get_user_model()(), data)

    @staticmethod
    def _page(request: HttpRequest, form: FreshSetPasswordForm, error: str = "",
              code: str = "", status: int = 200) -> HttpResponse:
        return render(request, "portal/account/reset.html", {
            "form": form, "error": error, "code": code,
            "minutes": settings.OPENIVAN_PORTAL_RESET_CODE_MINUTES}, status=status)


def provider_start(request: HttpRequest, key: str) -> HttpResponse:
    """Sign in through an identity provider (portal.identity): to its page."""
    try:
        chosen = identity.provider(key)
    except OpenIvanError as exc:
        return _refused(request, exc)
    request.session["openivan_portal_next"] = _safe_next(request)
    callback = request.build_absolute_uri(reverse("portal:provider-finish", args=[key]))
    return chosen.start(request, callback)


def provider_finish(request: HttpRequest, key: str) -> HttpResponse:
    """The provider's answer: the account with the ID number it vouched for is signed in."""
    try:
        found = identity.provider(key).finish(request)
        user = accounts.sign_in_identity(found)
    except OpenIvanError as exc:
        return _refused(request, exc)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(_after_sign_in(
        request, request.session.pop("openivan_portal_next", "")))


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    ok = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                         require_https=request.is_secure())
    return target if target and ok else ""


def _refused(request: HttpRequest, exc: OpenIvanError) -> HttpResponse:
    return render(request, "portal/account/login_refused.html", {
        "error": exc.message(request.LANGUAGE_CODE), "code": exc.code},
        status=http_status(exc.code))
