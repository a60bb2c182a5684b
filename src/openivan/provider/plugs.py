"""What the provider plugs into the platform (called from ProviderConfig.ready)."""

from __future__ import annotations

from openivan.platform import registries


def plug(app: str) -> None:
    registries.url_includes.add(registries.UrlInclude("", "openivan.provider.urls"), by=app)
