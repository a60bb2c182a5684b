from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from openivan.accounts import services
from openivan.accounts.services import second_factor

V = TypeVar("V", bound=Callable[..., Any])


def password_state_of(request: HttpRequest) -> services.PasswordState:
    """The signed-in account's password state, read once per request (the check above and
    the page's reminder both ask)."""
    state: services.PasswordState | None = getattr(request, "_password_state", None)
    if state is None:
        state = services.password_state(request.user)  # type: ignore[arg-type]
        request._password_state = state  # type: ignore[attr-defined]
    return state


def second_factor_exempt(view: V) -> V:
    """Marks a view a staff account may open before passing its second factor (the
    verification page itself, signing out, the demo's mailbox and authenticator)."""
    view.second_factor_exempt = True  # type: ignore[attr-defined]
    return view


class _CheckAsTheViewIsChosen:
    """A middleware whose check is its `process_view`: these run in MIDDLEWARE's order once
    the URL has its view, so the first check that answers wins."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


SIGNED_IN_AT = "openivan_signed_in_at"  # epoch seconds of the session's sign-in


def mark_sign_in(sender: Any, request: HttpRequest, user: Any, **_: Any) -> None:
    """On `user_logged_in`: when this session's sign-in happened (SessionLifetimeMiddleware)."""
    request.session[SIGNED_IN_AT] = int(time.time())


class SessionLifetimeMiddleware(_CheckAsTheViewIsChosen):
    """A session older than OPENIVAN_SESSION_MAX_HOURS since its sign-in is signed out, and
    its next page asks for the password again (then the second factor, for staff)."""

    def process_view(self, request: HttpRequest, view: Callable[..., HttpResponse],
                     args: Any, kwargs: Any) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        signed_in_at = request.session.get(SIGNED_IN_AT)
        limit = settings.OPENIVAN_SESSION_MAX_HOURS * 3600
        if isinstance(signed_in_at, int) and time.time() - signed_in_at < limit:
            return None
        logout(request)
        messages.info(request, _("Your session lasted more than %(hours)d hours: sign in again.")
                      % {"hours": settings.OPENIVAN_SESSION_MAX_HOURS})
        return redirect_to_login(request.get_full_path())


class SecondFactorMiddleware(_CheckAsTheViewIsChosen):
    """A signed-in staff account that has not passed its second factor in this session may
    only pass it (or set up its app, or sign out): every other page, the admin included,
    sends it there first."""

    def process_view(self, request: HttpRequest, view: Callable[..., HttpResponse],
                     args: Any, kwargs: Any) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if (user is None or not user.is_authenticated
                or getattr(view, "second_factor_exempt", False)
                or request.path.startswith(("/i18n/", reverse("admin:logout")))
                or second_factor.passed(request.session, user)
                or not second_factor.required_for(user)):
            return None
        target = reverse("accounts:second_factor")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


class OneTimePasswordMiddleware(_CheckAsTheViewIsChosen):
    """A signed-in user still holding a one-time password may only change it (or sign out).
    Checked after SecondFactorMiddleware's check: a staff account passes its second factor
    first."""

    def process_view(self, request: HttpRequest, view: Callable[..., HttpResponse],
                     args: Any, kwargs: Any) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and not request.path.startswith(self._allowed())
                and password_state_of(request).must_change):
            return redirect("accounts:password_change")
        return None

    @staticmethod
    def _allowed() -> tuple[str, ...]:
        # The second factor's page too: a staff account passes it before anything else.
        return (reverse("accounts:password_change"), reverse("accounts:logout"),
                reverse("accounts:second_factor"), "/i18n/", "/static/")


class KnownDeviceMiddleware:
    """Leaves the cookie of a successful sign-in in the browser (`services.new_device_cookie`),
    for the portal's and the admin's sign-in alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        cookie = getattr(request, "known_device_cookie", None)
        if cookie:
            name, value = cookie
            response.set_cookie(name, value, max_age=settings.OPENIVAN_KNOWN_DEVICE_DAYS * 86400,
                                secure=settings.SESSION_COOKIE_SECURE, httponly=True,
                                samesite="Lax")
        return response
