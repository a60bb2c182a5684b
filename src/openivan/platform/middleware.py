"""Security headers every page of the platform carries."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from openivan.platform.views import method_not_allowed

# A view's response may carry sources its page needs beyond the platform's policy, by directive
# (`reaches_signing_agent` sets them): the middleware adds them to the policy it sends.
EXTRA_SOURCES = "openivan_csp_sources"


def with_sources(policy: str, extra: dict[str, list[str]]) -> str:
    """`policy` with `extra` sources added to their directives. A directive the policy does not
    name starts from its `default-src` (which it fell back to), so adding a source never
    opens the page to more than that source; with neither, the page is not restricted there
    and nothing is added (a lone directive would shut out the page's own address). A directive
    named twice counts once, the first time, as browsers read it."""
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() not in directives:
            directives[words[0].lower()] = words[1:]
    for name, sources in extra.items():
        if name not in directives and "default-src" not in directives:
            continue
        current = directives.get(name, list(directives.get("default-src", [])))
        directives[name] = [*current, *(s for s in sources if s not in current)]
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def reaches_signing_agent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a page that signs with a USB token (the provider's, the portal's): its scripts may
    connect to the local signing agent's ports, and to nothing else beyond the policy."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        agent = [f"http://127.0.0.1:{port}" for port in settings.OPENIVAN_SIGNER_PORTS]
        setattr(response, EXTRA_SOURCES, {"connect-src": agent})
        return response

    return wrapped


class ContentSecurityPolicyMiddleware:
    """Chính sách bảo mật nội dung: a page may run scripts and load files from the platform
    only, so text an attacker slips into a page (a unit's name, an email) cannot run, and no
    page pulls code from elsewhere. HTML responses only: the API's XML and JSON are not pages.
    A view adds the sources its page needs (`reaches_signing_agent`); one that sets its own
    policy keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.OPENIVAN_CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (self.policy and "Content-Security-Policy" not in response
                and response.get("Content-Type", "").startswith("text/html")):
            extra = getattr(response, EXTRA_SOURCES, None)
            response["Content-Security-Policy"] = (
                with_sources(str(self.policy), extra) if extra else self.policy)
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
