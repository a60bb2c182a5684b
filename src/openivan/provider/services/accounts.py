"""Accounts of the provider's service: a unit's own account (signed in with its tax code) and
an accounting firm's staff (signed in with their own name), kept apart from the agency's
accounts of the same units when both roles share one database (the demo)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from openivan.platform.services import audit
from openivan.provider.models import Unit
from openivan.provider.services.units import grant

# The agency issues a unit an account named by its tax code too: the provider's are prefixed.
USERNAME_PREFIX = "ivan:"


def username_for(login: str) -> str:
    """The stored user name of what a person types ("0101300842", "ketoan.abc")."""
    return USERNAME_PREFIX + login.strip().lower()


def login_of(user: AbstractBaseUser) -> str:
    """What the person types and sees: the user name without the prefix."""
    return user.get_username().removeprefix(USERNAME_PREFIX)


def is_provider_account(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and user.get_username().startswith(USERNAME_PREFIX)


def create_account(login: str, password: str, units: list[Unit], by: audit.Actor, *,
                   email: str = "") -> AbstractBaseUser:
    """An account that may act for `units`: a unit's own (login = its tax code) or a firm's
    member of staff (the units they are given)."""
    with transaction.atomic():
        user = get_user_model().objects.create_user(username_for(login), email=email,
                                                    password=password)
        audit.record(by, "provider_account.created", f"account:{username_for(login)}")
        for unit in units:
            grant(unit, user, by)
    return user
