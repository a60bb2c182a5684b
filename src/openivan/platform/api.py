"""The versioned API root; each app mounts its routers through `registries.api_routers`
(`mounted()` puts them on, when the root URLs are built). OpenAPI at /api/v1/docs.

Every refusal is `{"code", "message", "message_en", "details"}` with a stable code.
"""

import hmac
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, ValidationError

from openivan import __version__
from openivan.core.errors import OUTAGES, OpenIvanError, http_status
from openivan.platform import registries, services
from openivan.platform.outages import DATABASE_DOWN, RETRY_AFTER_SECONDS
from openivan.platform.schemas import ErrorOut
from openivan.platform.services import monitoring

log = logging.getLogger(__name__)
api = NinjaAPI(title="OpenIVAN", version="1", urls_namespace="api-v1",
               docs_url="/docs", description="I-VAN provider and BHXH agency gateway")


# Each code's HTTP status is registered with it (core.errors.register); others are 422.
@api.exception_handler(OpenIvanError)
def openivan_error(request: HttpRequest, exc: OpenIvanError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=http_status(exc.code))
    if exc.code == "RATE_LIMITED" or exc.code in OUTAGES:
        response["Retry-After"] = str(exc.details.get("retry_after", 60))
    return response


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return openivan_error(request, OpenIvanError("PROVIDER_AUTH_FAILED"))


@api.exception_handler(ValidationError)
def invalid_parameter(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A path or query value of the wrong form (an answer kind that does not exist), in the
    API's shape with a code rather than ninja's bare list."""
    problems = [f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}"
                for error in exc.errors]
    return openivan_error(request, OpenIvanError(
        "API_INVALID_PARAMETER", problems="; ".join(problems)))


def database_down(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Nothing was stored (each change is one transaction): the provider sends the same message
    # again, and the intake's idempotency makes that safe.
    log.error("database unavailable during %s %s: %s", request.method, request.path, exc)
    return openivan_error(request, OpenIvanError(
        "DATABASE_UNAVAILABLE", retry_after=RETRY_AFTER_SECONDS))


for kind in DATABASE_DOWN:
    api.add_exception_handler(kind, database_down)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return openivan_error(request, OpenIvanError(
        "XML_TOO_LARGE", limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE))


class Health(Schema):
    status: str
    version: str
    roles: list[str]
    database: str
    migrations_pending: int


@api.api_operation(["GET", "HEAD"], "/health", response=Health, tags=["platform"])
def health(request: HttpRequest) -> Health:
    """Liveness, for a load balancer (HEAD as well: headers only)."""
    return Health(status="ok", version=__version__, roles=list(settings.ROLES),
                  database=services.database_vendor(),
                  migrations_pending=services.pending_migrations())


class CheckOut(Schema):
    name: str  # stable: database, worker, outbox_late, outbox_failed, agency_key, …
    level: str  # ok | warning | critical
    summary: str
    summary_en: str
    detail: str


class ChecksOut(Schema):
    status: str  # the worst level
    checks: list[CheckOut]


# A shorter token could be guessed over the network; the call then stays off.
MONITORING_TOKEN_MIN_LENGTH = 32


@api.get("/health/checks", response={200: ChecksOut, 503: ChecksOut,
                                     **dict.fromkeys((401, 403), ErrorOut)}, tags=["platform"])
def health_checks(request: HttpRequest) -> Status:
    """For a monitoring system (`Authorization: Bearer <OPENIVAN_MONITORING_TOKEN>`): every
    check of `openivan manage status`; 503 when one is critical."""
    expected = settings.OPENIVAN_MONITORING_TOKEN
    if len(expected) < MONITORING_TOKEN_MIN_LENGTH:
        raise OpenIvanError("MONITORING_OFF")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given = given.strip() if scheme.lower() == "bearer" else ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise OpenIvanError("MONITORING_AUTH_FAILED")
    checks = monitoring.run_checks()
    critical = monitoring.worst(checks) == monitoring.CRITICAL
    return Status(503 if critical else 200, monitoring.report(checks))


_mounted: set[str] = set()


def mounted() -> NinjaAPI:
    """The API with every registered router on it, each once (the root URLconf may be
    loaded again, and ninja refuses a router mounted twice)."""
    for entry in registries.api_routers:
        if entry.router not in _mounted:
            api.add_router(entry.prefix, import_string(entry.router))
            _mounted.add(entry.router)
    return api
