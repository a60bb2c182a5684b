"""What every page's template may show of the signed-in account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from openivan.accounts.middleware import password_state_of


def password_reminder(request: HttpRequest) -> dict[str, Callable[[], Any]]:
    """`password_days_left`: days before the password must be changed, within the reminder
    window. A callable, so only a page that shows it reads the account (the error pages,
    which render while the database is down, do not)."""

    def days_left() -> int | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return password_state_of(request).days_left

    return {"password_days_left": days_left}
