from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from openivan.accounts import services


class OneTimePasswordMiddleware:
    """A signed-in user still holding a one-time password may only change it (or sign out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated
                and not request.path.startswith(self._allowed())
                and services.must_change_password(user)):
            return redirect("accounts:password_change")
        return self.get_response(request)

    @staticmethod
    def _allowed() -> tuple[str, ...]:
        return (reverse("accounts:password_change"), reverse("accounts:logout"), "/i18n/",
                "/static/")


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
