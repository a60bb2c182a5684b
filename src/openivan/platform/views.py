import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from openivan import __version__
from openivan.core.errors import OpenIvanError
from openivan.platform import registries
from openivan.platform.outages import DATABASE_DOWN, RETRY_AFTER_SECONDS
from openivan.platform.services import monitoring


def home(request: HttpRequest) -> HttpResponse:
    """The platform's front page; staff also see the monitor's checks (Tình trạng hệ thống),
    which say too much about the platform for anyone else."""
    staff = request.user.is_authenticated and request.user.is_staff
    checks = monitoring.run_checks() if staff else None
    return render(request, "openivan/home.html", {
        "version": __version__,
        "roles": settings.ROLES,
        "checks": checks,
        "status": monitoring.worst(checks) if checks else None,
        "links": list(registries.home_links),
    })


# ---------------------------------------------------------------- error pages (handler400 …)
# In the visitor's language, in the platform's layout, with the error's stable code; JSON with
# the API's shape under /api/. They read no user or session: they must render while the
# database is down.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, OpenIvanError("BAD_REQUEST"), 400, _("Bad request"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, OpenIvanError("ACCESS_DENIED"), 403, _("Access denied"))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _error(request, OpenIvanError("API_NOT_FOUND", path=request.path,
                                             method=request.method), 404, "")
    return _error(request, OpenIvanError("PAGE_NOT_FOUND"), 404, _("Page not found"),
                  path=request.path)


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    """The API's JSON for a method an address does not take (ninja answers plain text)."""
    response = _error(request, OpenIvanError(
        "API_METHOD_NOT_ALLOWED", path=request.path, method=request.method, allowed=allowed),
        405, "")
    response["Allow"] = allowed
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this inside its handling of the exception, so it can tell a database
    outage (503: send again later, nothing was stored) from a fault (500)."""
    if isinstance(sys.exc_info()[1], DATABASE_DOWN):
        return database_unavailable(request)
    return _error(request, OpenIvanError("INTERNAL_ERROR"), 500, _("System error"))


def database_unavailable(request: HttpRequest) -> HttpResponse:
    response = _error(request, OpenIvanError("DATABASE_UNAVAILABLE"), 503,
                      _("Temporarily unavailable"))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, OpenIvanError("FORM_EXPIRED"), 403, _("The form was not sent"))


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, error: OpenIvanError, status: int, title: str,
           path: str | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(error.as_dict(), status=status,
                            json_dumps_params={"ensure_ascii": False})
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return render(request, "openivan/error.html", {
        "title": title, "message": error.message(language), "code": error.code,
        "path": path}, status=status)
