from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache

from openivan.accounts import services
from openivan.accounts.forms import FreshPasswordChangeForm, ThrottledAuthenticationForm
from openivan.accounts.models import AccountProfile
from openivan.accounts.services import second_factor
from openivan.core.errors import OpenIvanError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Signed in, yet sent here from a page: the account may not open that page.
        context["no_permission"] = (self.request.user.is_authenticated
                                    and bool(context.get("next")))
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    """Đổi mật khẩu: also where a one-time password, or one past its age, leads. `?next=`
    (a page of this site) is where it goes once changed: the portal's account page for a
    person."""

    template_name = "accounts/password_change.html"
    form_class = FreshPasswordChangeForm
    success_url = "/"

    def get_success_url(self) -> str:
        target = self.request.GET.get("next", "")
        if target and url_has_allowed_host_and_scheme(
                target, allowed_hosts={self.request.get_host()},
                require_https=self.request.is_secure()):
            return target
        return str(self.success_url)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["one_time"] = services.password_state(self.request.user).one_time
        return kwargs

    def form_valid(self, form: Any) -> HttpResponse:
        services.change_password(form)
        update_session_auth_hash(self.request, form.user)  # stay signed in, as Django does
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        state = services.password_state(self.request.user)
        context.update(one_time=state.one_time, expired=state.expired,
                       max_age_days=settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS)
        return context


@method_decorator(never_cache, name="dispatch")  # the setup key and recovery codes: no copy
class SecondFactorView(LoginRequiredMixin, View):
    """Xác thực hai lớp: the code of the authenticator app after the password — or, the first
    time, setting the app up (a QR code, its key to type by hand) and then the recovery codes,
    shown once."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        # `?setup=1`: an account not held to it (a person's) chooses to set an app up; once
        # set up, every sign-in asks for its code (second_factor.required_for).
        opting_in = request.GET.get("setup") == "1" and not second_factor.is_enrolled(
            user)  # type: ignore[arg-type]
        if second_factor.passed(request.session, user) or not (
                second_factor.required_for(user) or opting_in):
            return HttpResponseRedirect(self._next(request))
        return self._page(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        code = request.POST.get("code", "")[:64]
        try:
            if second_factor.is_enrolled(user):  # type: ignore[arg-type]
                second_factor.verify(user, code, request.session)  # type: ignore[arg-type]
                recovery_codes = None
            else:
                recovery_codes = second_factor.confirm(
                    user, code, request.session)  # type: ignore[arg-type]
        except OpenIvanError as exc:
            return self._page(request, error=exc.message(request.LANGUAGE_CODE),
                              status=_status_of(exc))
        request.session.cycle_key()  # a session that gained a right gets a new id
        if recovery_codes is None:
            return HttpResponseRedirect(self._next(request))
        return render(request, "accounts/recovery_codes.html",
                      {"codes": recovery_codes, "next": self._next(request)})

    def _page(self, request: HttpRequest, error: str | None = None,
              status: int = 200) -> HttpResponse:
        user = request.user
        context: dict[str, Any] = {"error": error, "next": self._next(request)}
        if second_factor.is_enrolled(user):  # type: ignore[arg-type]
            context["recovery_codes_left"] = second_factor.recovery_codes_left(
                user)  # type: ignore[arg-type]
            return render(request, "accounts/second_factor.html", context, status=status)
        setup = second_factor.enrollment(user)  # type: ignore[arg-type]
        context.update(setup_key=setup.setup_key, qr_svg=qr_svg(setup.uri))
        return render(request, "accounts/second_factor_setup.html", context, status=status)

    @staticmethod
    def _next(request: HttpRequest) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
            return target
        return resolve_url(settings.LOGIN_REDIRECT_URL)


def _status_of(refusal: OpenIvanError) -> int:
    return 429 if refusal.code == "OTP_LOCKED" else 422


def qr_svg(text: str) -> str:
    """The QR code as SVG markup for the page (no image request, nothing off the platform)."""
    import segno

    return str(segno.make(text, error="m").svg_inline(scale=5, light="#fff"))


@method_decorator(never_cache, name="dispatch")
class AccountView(LoginRequiredMixin, View):
    """Tài khoản của tôi: the password (changed when one likes), and for a staff account its
    two-step verification, with a new set of recovery codes on demand."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            codes = second_factor.renew_recovery_codes(
                request.user, request.POST.get("code", "")[:64])  # type: ignore[arg-type]
        except OpenIvanError as exc:
            return self._page(request, error=exc.message(request.LANGUAGE_CODE),
                              status=_status_of(exc))
        return render(request, "accounts/recovery_codes.html",
                      {"codes": codes, "renewed": True, "next": request.path})

    @staticmethod
    def _page(request: HttpRequest, error: str | None = None,
              status: int = 200) -> HttpResponse:
        user = request.user
        profile = AccountProfile.objects.filter(user_id=user.pk).first()
        return render(request, "accounts/account.html", {
            "error": error,
            "password_changed_at": profile.password_changed_at if profile else None,
            "second_factor_required": second_factor.required_for(user),
            "second_factor_since": second_factor.enrolled_since(user),  # type: ignore[arg-type]
            "recovery_codes_left": second_factor.recovery_codes_left(
                user),  # type: ignore[arg-type]
        }, status=status)
