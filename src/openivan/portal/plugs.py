"""What the portal plugs into the platform (called from PortalConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from openivan.platform import registries
from openivan.portal import checks


def plug(app: str) -> None:
    from openivan.portal.services import remote_signing

    registries.url_includes.add(registries.UrlInclude("", "openivan.portal.urls"), by=app)
    registries.api_routers.add(registries.ApiRouter("/portal", "openivan.portal.api.router"),
                               by=app)
    registries.monitoring_checks.add(checks.monitoring_checks, by=app)
    # The individuals' pages on the front page: 01/ĐK-GD and the status lookup.
    registries.home_links.add(registries.HomeLink(
        gettext_noop("Individuals: register for e-transactions"), "portal:declare"), by=app)
    registries.home_links.add(registries.HomeLink(
        gettext_noop("Look up a declaration"), "portal:lookup"), by=app)
    registries.sealed_fields.add(registries.SealedField(
        gettext_noop("Passwords of remote signings still waiting, sealed under the current "
                     "key: %(count)d"), "remote signing passwords",
        remote_signing.reseal_passwords), by=app)
