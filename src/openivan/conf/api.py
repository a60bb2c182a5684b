"""The versioned API root; each role adds its routers here. OpenAPI at /api/v1/docs."""

from django.conf import settings
from ninja import NinjaAPI, Schema

from openivan import __version__
from openivan.conf import services

api = NinjaAPI(title="OpenIVAN", version="1", urls_namespace="api-v1",
               docs_url="/docs", description="I-VAN provider and BHXH agency gateway")


class Health(Schema):
    status: str
    version: str
    roles: list[str]
    database: str
    migrations_pending: int


@api.get("/health", response=Health, tags=["platform"])
def health(request):  # type: ignore[no-untyped-def]
    return Health(status="ok", version=__version__, roles=list(settings.ROLES),
                  database=services.database_vendor(),
                  migrations_pending=services.pending_migrations())
