"""Accounts: issue a unit's account with a one-time password, record a changed password,
throttle logins."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from openivan.accounts.models import AccountProfile
from openivan.core.errors import OpenIvanError

# No look-alikes (0/O, 1/I/L, 5/S, 2/Z, 8/B): codes and passwords read out of an email.
UNAMBIGUOUS = "ACDEFGHJKMNPQRTUVWXY34679"


def random_code(length: int) -> str:
    return "".join(secrets.choice(UNAMBIGUOUS) for _ in range(length))


@dataclass(frozen=True)
class IssuedAccount:
    username: str  # Tài khoản giao dịch điện tử: the unit's MST
    one_time_password: str | None  # None: the account existed and no new password was asked


def issue_unit_account(tax_code: str, name: str, email: str, *,
                       reissue: bool) -> IssuedAccount:
    """A new unit gets an account and a one-time password; an existing one a new one-time
    password only when it asked ("Yêu cầu cấp lại mật khẩu nếu đã tồn tại")."""
    users = get_user_model()
    with transaction.atomic():
        user = users.objects.select_for_update().filter(username=tax_code).first()
        if user is not None and not reissue:
            return IssuedAccount(tax_code, None)
        password = random_code(settings.OPENIVAN_ONE_TIME_PASSWORD_LENGTH)
        if user is None:
            user = users.objects.create_user(username=tax_code, email=email)
        user.set_password(password)
        user.save()
        AccountProfile.objects.update_or_create(user=user, defaults={
            "tax_code": tax_code, "display_name": name, "must_change_password": True})
    return IssuedAccount(tax_code, password)


def must_change_password(user: AbstractBaseUser) -> bool:
    profile = AccountProfile.objects.filter(user_id=user.pk).first()
    return bool(profile and profile.must_change_password)


def password_changed(user: AbstractBaseUser) -> None:
    with transaction.atomic():
        AccountProfile.objects.update_or_create(user_id=user.pk, defaults={
            "must_change_password": False, "password_changed_at": timezone.now()})


def check_login_allowed(username: str) -> None:
    """At most OPENIVAN_LOGIN_MAX_FAILURES failed logins per account per lockout window."""
    if cache.get(_failures_key(username), 0) >= settings.OPENIVAN_LOGIN_MAX_FAILURES:
        raise OpenIvanError("LOGIN_LOCKED", minutes=settings.OPENIVAN_LOGIN_LOCKOUT_MINUTES)


def login_failed(username: str) -> None:
    key = _failures_key(username)
    cache.add(key, 0, timeout=settings.OPENIVAN_LOGIN_LOCKOUT_MINUTES * 60)
    cache.incr(key)


def login_succeeded(username: str) -> None:
    cache.delete(_failures_key(username))


def _failures_key(username: str) -> str:
    return f"openivan:login-failures:{username.strip().lower()}"
