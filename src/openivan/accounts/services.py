"""Accounts: issue a unit's account with a one-time password, record a changed password,
throttle logins."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction
from django.utils import timezone

from openivan.accounts.models import AccountProfile
from openivan.conf.services import audit, throttles
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
        user_existed = user is not None
        if user is None:
            user = users.objects.create_user(username=tax_code, email=email)
        user.set_password(password)
        user.save()
        AccountProfile.objects.update_or_create(user=user, defaults={
            "tax_code": tax_code, "display_name": name, "must_change_password": True})
        audit.record(None, "account.password_reissued" if user_existed else "account.issued",
                     f"account:{tax_code}", email=email)
    return IssuedAccount(tax_code, password)


def must_change_password(user: AbstractBaseUser) -> bool:
    profile = AccountProfile.objects.filter(user_id=user.pk).first()
    return bool(profile and profile.must_change_password)


def change_password(form: PasswordChangeForm) -> None:
    """Đổi mật khẩu: the new password, the end of a one-time password, the audit event — in
    one transaction."""
    user = form.user
    with transaction.atomic():
        form.save()
        AccountProfile.objects.update_or_create(user_id=user.pk, defaults={
            "must_change_password": False, "password_changed_at": timezone.now()})
        audit.record(user, "account.password_changed", f"account:{user.get_username()}")


def check_login_allowed(username: str, client: str = "") -> None:
    """At most OPENIVAN_LOGIN_MAX_FAILURES failed sign-ins per account, and
    OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT per caller's address, within
    OPENIVAN_LOGIN_LOCKOUT_MINUTES of the first; then none until that window ends. Counted in
    the database, so every web process sees the same count."""
    failures = throttles.peek(_failures_key(username))
    if failures.count >= settings.OPENIVAN_LOGIN_MAX_FAILURES:
        raise OpenIvanError("LOGIN_LOCKED", minutes=_minutes_left(failures))
    if client:
        from_client = throttles.peek(_client_key(client))
        if from_client.count >= settings.OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT:
            raise OpenIvanError("LOGIN_CLIENT_LOCKED", minutes=_minutes_left(from_client))


def login_failed(username: str, client: str = "") -> None:
    """Count a failed sign-in against the account and the caller's address (`client`), and
    write it to the audit log."""
    window = settings.OPENIVAN_LOGIN_LOCKOUT_MINUTES * 60
    actor = f"client:{client}" if client else None
    with transaction.atomic():
        failures = throttles.hit(_failures_key(username), window)
        locked = failures.count == settings.OPENIVAN_LOGIN_MAX_FAILURES
        audit.record(actor, "account.login_locked" if locked else "account.login_failed",
                     f"account:{_normalised(username)}", failures=failures.count)
        if client:
            from_client = throttles.hit(_client_key(client), window)
            if from_client.count == settings.OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT:
                audit.record(actor, "client.login_locked", f"client:{client}",
                             failures=from_client.count)


def login_succeeded(username: str) -> None:
    """Clears the account's failures, not the address's: signing in to one's own account
    must not buy more guesses at others."""
    with transaction.atomic():
        throttles.clear(_failures_key(username))
        audit.record(f"user:{_normalised(username)}", "account.login",
                     f"account:{_normalised(username)}")


def _minutes_left(hits: throttles.Hits) -> int:
    return math.ceil(hits.seconds_left() / 60)


def _client_key(client: str) -> str:
    return f"login-client:{client[:100]}"


def _failures_key(username: str) -> str:
    return f"login:{_normalised(username)}"


def _normalised(username: str) -> str:
    # Cut to the longest username an account can have: a longer one names no account, and
    # the throttle's key must fit its column.
    return username.strip().lower()[:150]
