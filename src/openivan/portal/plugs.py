"""What the portal plugs into the platform (called from PortalConfig.ready)."""

from __future__ import annotations

from openivan.platform import registries


def plug(app: str) -> None:
    registries.url_includes.add(registries.UrlInclude("", "openivan.portal.urls"), by=app)
