"""Accounts of the provider's service: a unit's own account (signed in with its tax code) and
an accounting firm's staff (signed in with their own name), kept apart from the agency's
accounts of the same units when both roles share one database (the demo)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.db import transaction

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mst
from openivan.notify.services import queue_email
from openivan.platform.services import audit
from openivan.provider.models import Unit
from openivan.provider.services.units import create_unit, grant

# The agency issues a unit an account named by its tax code too: the provider's are prefixed.
USERNAME_PREFIX = "ivan:"


def username_for(login: str) -> str:
    """The stored user name of what a person types ("0101300842", "ketoan.abc")."""
    return USERNAME_PREFIX + login.strip().lower()


def login_of(user: AbstractBaseUser) -> str:
    """What the person types and sees: the user name without the prefix."""
    return user.get_username().removeprefix(USERNAME_PREFIX)


def shown_name(username: str) -> str | None:
    """A provider's account as its users know it (platform.registries.account_names); None
    for any other account."""
    return username.removeprefix(USERNAME_PREFIX) if username.startswith(USERNAME_PREFIX) \
        else None


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


# How long a sign-up's confirmation link works.
SIGNUP_LINK_MAX_AGE = timedelta(hours=48)
_SIGNUP_SALT = "openivan.provider.signup"


def sign_up(tax_code: str, name: str, email: str, phone: str, password: str,
            confirm_url: Callable[[str], str]) -> AbstractBaseUser:
    """Đăng ký tài khoản: a new unit and its own account, closed until the email is confirmed
    (the link `confirm_url(token)` goes out through the outbox in the same transaction).
    UNIT_EXISTS when the unit is known already."""
    mst = str(parse_mst(tax_code))
    with transaction.atomic():
        # A unit known already (its account, or a firm acting for it) is not handed to
        # whoever signs up with its tax code.
        if (get_user_model().objects.filter(username=username_for(mst)).exists()
                or Unit.objects.filter(tax_code=mst).exists()):
            raise OpenIvanError("UNIT_EXISTS", tax_code=mst)
        unit = create_unit(mst, name, None, email=email, phone=phone)
        user = get_user_model().objects.create_user(username_for(mst), email=email,
                                                    password=password, is_active=False)
        grant(unit, user, None)
        token = signing.TimestampSigner(salt=_SIGNUP_SALT).sign(str(user.pk))
        queue_email(f"unit:{mst}", "provider_signup", email, {
            "unit_name": unit.name, "tax_code": mst, "link": confirm_url(token),
            "hours": int(SIGNUP_LINK_MAX_AGE.total_seconds() // 3600)})
        audit.record(None, "provider_account.signed_up", f"account:{username_for(mst)}",
                     email=email)
    return user


def confirm_sign_up(token: str) -> AbstractBaseUser:
    """The link of the sign-up email: the account opens. SIGNUP_LINK_INVALID for a link that
    was altered or is older than SIGNUP_LINK_MAX_AGE."""
    try:
        user_id = signing.TimestampSigner(salt=_SIGNUP_SALT).unsign(
            token, max_age=SIGNUP_LINK_MAX_AGE)
    except signing.BadSignature as exc:
        raise OpenIvanError("SIGNUP_LINK_INVALID") from exc
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise OpenIvanError("SIGNUP_LINK_INVALID")
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
            audit.record(None, "provider_account.confirmed", f"account:{user.get_username()}")
    return user


def awaits_confirmation(username: str, password: str) -> bool:
    """Whether `username` (stored form) is a signed-up account not confirmed yet, and
    `password` its own (nothing is told to someone who does not know the password)."""
    user = get_user_model().objects.filter(username=username, is_active=False).first()
    return user is not None and user.check_password(password)
