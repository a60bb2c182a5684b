"""What every page's template may show of the signed-in account."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse_lazy

from openivan.accounts.middleware import password_state_of
from openivan.platform.registries import shown_account_name

# The account's pages the platform's layout links to (it names no app: it shows these when
# they are given).
ACCOUNT_URLS = {"home": reverse_lazy("accounts:home"), "logout": reverse_lazy("accounts:logout"),
                "password_change": reverse_lazy("accounts:password_change")}


def password_reminder(request: HttpRequest) -> dict[str, Any]:
    """`password_days_left`: days before the password must be changed, within the reminder
    window. A callable, so only a page that shows it reads the account (the error pages,
    which render while the database is down, do not). `account_urls`: the account's pages.
    `account_name`: the signed-in account's name as its user knows it (an app's own prefix
    off, platform.registries.account_names), also a callable."""

    def days_left() -> int | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return password_state_of(request).days_left

    def account_name() -> str:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return ""
        return shown_account_name(user.get_username())

    return {"password_days_left": days_left, "account_urls": ACCOUNT_URLS,
            "account_name": account_name}
