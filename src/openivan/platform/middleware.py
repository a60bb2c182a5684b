"""Security headers every page of the platform carries."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from openivan.platform.views import method_not_allowed


def policy_with_signing_agent() -> str:
    """The platform's policy with the local signing agent's ports admitted to connect-src: a
    page that signs with a USB token (the provider's, the portal's) sets it as its own."""
    agent = " ".join(f"http://127.0.0.1:{p}" for p in settings.OPENIVAN_SIGNER_PORTS)
    policy = str(settings.OPENIVAN_CONTENT_SECURITY_POLICY)
    return policy.replace("connect-src 'self'", f"connect-src 'self' {agent}")


class ContentSecurityPolicyMiddleware:
    """Chính sách bảo mật nội dung: a page may run scripts and load files from the platform
    only, so text an attacker slips into a page (a unit's name, an email) cannot run, and no
    page pulls code from elsewhere. HTML responses only: the API's XML and JSON are not pages.
    A view that sets its own policy keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.OPENIVAN_CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (self.policy and "Content-Security-Policy" not in response
                and response.get("Content-Type", "").startswith("text/html")):
            response["Content-Security-Policy"] = self.policy
        return response


class ApiMethodNotAllowedMiddleware:
    """A method an API address does not take (GET on the intake, DELETE on a dossier) answers
    the API's JSON with its code, like every other refusal under /api/, not ninja's plain
    "Method not allowed"; the Allow header stays."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith("/api/"):
            return method_not_allowed(request, response.get("Allow", ""))
        return response
