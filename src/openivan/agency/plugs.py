"""What the agency plugs into the platform (called from AgencyConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from openivan.agency import checks
from openivan.agency.services.activation import codes_live_until
from openivan.platform import registries


def plug(app: str) -> None:
    registries.url_includes.add(registries.UrlInclude("", "openivan.agency.urls"), by=app)
    registries.api_routers.add(registries.ApiRouter("/", "openivan.agency.api.router"), by=app)
    registries.monitoring_checks.add(checks.monitoring_checks, by=app)
    # Confirmation codes are kept only as digests: they cannot move to a new data key.
    registries.old_key_needed.add(codes_live_until, by=app)
    registries.home_links.add(registries.HomeLink(gettext_noop("Officers' console"),
                                                  "agency:dossiers"), by=app)
