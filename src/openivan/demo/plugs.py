"""What the demo plugs into the platform (called from DemoConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from openivan.platform import registries


def plug(app: str) -> None:
    registries.url_includes.add(registries.UrlInclude("", "openivan.demo.urls"), by=app)
    registries.home_links.add(registries.HomeLink(gettext_noop("Demo mailbox"), "demo:mailbox"),
                              by=app)
