"""The officers' console nav's pages that other apps plug in (registries.console_links)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext

from openivan.platform import registries

register = template.Library()


@dataclass(frozen=True)
class ShownLink:
    label: str
    url: str


@register.simple_tag(takes_context=True)
def console_links(context: Any) -> list[ShownLink]:
    """The plugged pages the signed-in user may open, in the order they were plugged."""
    user = context["request"].user
    return [ShownLink(gettext(link.label), reverse(link.url))
            for link in registries.console_links if user.has_perm(link.permission)]
