"""Accounts: issue a unit's account with a one-time password, record a changed password,
throttle logins (with known browsers exempt from the lockouts others cause)."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import PasswordChangeForm
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from openivan.accounts.hashers import one_time_password_hash
from openivan.accounts.models import AccountProfile
from openivan.core.codes import random_code
from openivan.core.errors import OpenIvanError
from openivan.platform import registries
from openivan.platform.services import audit, throttles

log = logging.getLogger(__name__)


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
        if user is not None and not _is_units(user, tax_code):
            # A person's account (its name, a mã số BHXH, is also 10 digits) or a staff one:
            # reissuing would hand its password to the unit's email.
            raise OpenIvanError("ACCOUNT_NAME_TAKEN", username=tax_code)
        if user is not None and not reissue:
            return IssuedAccount(tax_code, None)
        password = random_code(settings.OPENIVAN_ONE_TIME_PASSWORD_LENGTH)
        user_existed = user is not None
        if user is None:
            user = users.objects.create_user(username=tax_code, email=email)
        user.password = one_time_password_hash(password)
        user.save()
        AccountProfile.objects.update_or_create(user=user, defaults={
            "tax_code": tax_code, "display_name": name, "must_change_password": True})
        audit.record(None, "account.password_reissued" if user_existed else "account.issued",
                     f"account:{tax_code}", email=email)
    return IssuedAccount(tax_code, password)


def _is_units(user: AbstractBaseUser, tax_code: str) -> bool:
    return AccountProfile.objects.filter(user_id=user.pk, tax_code=tax_code).exists()


def issue_person_account(bhxh_number: str, full_name: str, email: str,
                         ) -> tuple[AbstractBaseUser, IssuedAccount] | None:
    """Inside the caller's transaction: a person's account (user name = mã số BHXH) with a
    one-time password (Mật khẩu lần đầu) to change at the first sign-in. None, with nothing
    written, when the user name is taken."""
    users = get_user_model()
    if users.objects.filter(username=bhxh_number).exists():
        return None
    password = random_code(settings.OPENIVAN_ONE_TIME_PASSWORD_LENGTH)
    user = users(username=bhxh_number, email=users.objects.normalize_email(email),
                 password=one_time_password_hash(password))
    user.save()
    AccountProfile.objects.create(user=user, display_name=full_name, must_change_password=True)
    audit.record(None, "account.issued", f"account:{bhxh_number}", email=email, kind="person")
    return user, IssuedAccount(bhxh_number, password)


@dataclass(frozen=True)
class PasswordState:
    one_time: bool  # Mật khẩu lần đầu, not yet changed
    expired: bool  # older than OPENIVAN_PASSWORD_MAX_AGE_DAYS
    days_left: int | None  # within OPENIVAN_PASSWORD_REMIND_DAYS of expiring; else None

    @property
    def must_change(self) -> bool:
        return self.one_time or self.expired


def password_state(user: AbstractBaseUser) -> PasswordState:
    """Where the account's password stands. Accounts the agency issues (with a profile: units,
    individuals) change it at least every OPENIVAN_PASSWORD_MAX_AGE_DAYS, as the seeds ask
    ("thay đổi mật khẩu ít nhất 6 tháng một lần"); staff accounts, made in the admin and held
    to a second factor, are not (NIST 800-63B and OWASP ASVS advise against forced rotation)."""
    profile = AccountProfile.objects.filter(user_id=user.pk).only(
        "must_change_password", "password_changed_at").first()
    if profile is None:
        return PasswordState(False, False, None)
    if profile.must_change_password:
        return PasswordState(True, False, None)
    max_age = settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS
    if max_age <= 0 or profile.password_changed_at is None:
        return PasswordState(False, False, None)
    left = profile.password_changed_at + timedelta(days=max_age) - timezone.now()
    if left <= timedelta(0):
        return PasswordState(False, True, None)
    days = math.ceil(left / timedelta(days=1))
    return PasswordState(False, False,
                         days if days <= settings.OPENIVAN_PASSWORD_REMIND_DAYS else None)


def remind_expiring_passwords(limit: int = 500) -> int:
    """Tell each account whose password expires within OPENIVAN_PASSWORD_REMIND_DAYS, once
    per password (a sweep of the worker), by email and — for an account an app knows a mobile
    number of (a person's) — by SMS: a unit or a person who signs in every few months would
    otherwise meet the forced change with no warning. How many were reminded."""
    max_age, remind = (settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS,
                       settings.OPENIVAN_PASSWORD_REMIND_DAYS)
    if max_age <= 0:
        return 0
    now = timezone.now()
    due = AccountProfile.objects.filter(
        must_change_password=False,
        password_changed_at__lte=now - timedelta(days=max_age - remind),
        password_changed_at__gt=now - timedelta(days=max_age),
    ).exclude(password_reminder_for=F("password_changed_at")).select_related("user")
    return sum(_remind(profile, max_age) for profile in due.order_by("pk")[:limit])


def _remind(profile: AccountProfile, max_age: int) -> bool:
    # accounts does not need notify to load
    from openivan.notify.services import queue_email, queue_sms

    changed_at, user = profile.password_changed_at, profile.user
    assert changed_at is not None
    expires_at = changed_at + timedelta(days=max_age)
    phone = registries.phone_of(user)
    with transaction.atomic():
        # Conditional on the password it was chosen for: a change meanwhile, or a second
        # worker's sweep, sends nothing more.
        if not AccountProfile.objects.filter(
                pk=profile.pk, password_changed_at=changed_at).exclude(
                password_reminder_for=changed_at).update(password_reminder_for=changed_at):
            return False
        if not (user.email or phone):
            return False  # nowhere to write: marked, so the sweep does not look again
        reference, username = f"account:{user.get_username()}", user.get_username()
        context = {"name": profile.display_name or username,
                   "username": registries.shown_account_name(username),
                   "expires_at": expires_at, "max_age": max_age,
                   "url": f"{settings.OPENIVAN_PUBLIC_URL}/tai-khoan/doi-mat-khau/",
                   "hotline": settings.OPENIVAN_AGENCY_HOTLINE}
        if user.email:
            queue_email(reference, "password_expiring", user.email, context,
                        valid_until=expires_at)
        if phone:
            try:
                queue_sms(reference, "password_expiring", phone, context,
                          valid_until=expires_at)
            except OpenIvanError as exc:  # a stored number no network takes any more
                # Logged, not raised: the email and the mark stand, and the sweep goes on to
                # the accounts after this one.
                log.warning("password reminder for %s: no SMS (%s)", reference, exc.code)
        audit.record(None, "account.password_expiry_reminded", reference,
                     expires_at=expires_at.isoformat())
    return True


def change_password(form: PasswordChangeForm) -> None:
    """Đổi mật khẩu: the new password, the end of a one-time password, the audit event — in
    one transaction."""
    user = form.user
    with transaction.atomic():
        form.save()
        AccountProfile.objects.update_or_create(user_id=user.pk, defaults={
            "must_change_password": False, "password_changed_at": timezone.now()})
        audit.record(user, "account.password_changed", f"account:{user.get_username()}")


def check_login_allowed(username: str, client: str = "", device: str | None = None) -> None:
    """At most OPENIVAN_LOGIN_MAX_FAILURES failed sign-ins per account, and
    OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT per caller's address, within
    OPENIVAN_LOGIN_LOCKOUT_MINUTES of the first; then none until that window ends. Counted in
    the database, so every web process sees the same count.

    A known browser (`device`, from `known_device`) is held to neither lock, only to its own
    count: someone guessing at the account, or colleagues mistyping behind the office's one
    address, do not shut out the account's holder (OWASP's device cookies)."""
    if device:
        return
    failures = throttles.peek(_failures_key(username))
    if failures.count >= settings.OPENIVAN_LOGIN_MAX_FAILURES:
        raise OpenIvanError("LOGIN_LOCKED", minutes=failures.minutes_left())
    if client:
        from_client = throttles.peek(_client_key(client))
        if from_client.count >= settings.OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT:
            raise OpenIvanError("LOGIN_CLIENT_LOCKED", minutes=from_client.minutes_left())


def login_failed(username: str, client: str = "", device: str | None = None) -> None:
    """Count a failed sign-in against the account and the caller's address (`client`), or,
    from a known browser, against that browser only; and write it to the audit log."""
    window = settings.OPENIVAN_LOGIN_LOCKOUT_MINUTES * 60
    actor = f"client:{client}" if client else None
    target = f"account:{_normalised(username)}"
    with transaction.atomic():
        if device:
            # Its guesses end too: past them, `known_device` no longer knows it.
            tries = throttles.hit(_device_key(device), window)
            locked = tries.count == settings.OPENIVAN_LOGIN_MAX_FAILURES
            audit.record(actor, "account.device_locked" if locked else "account.login_failed",
                         target, failures=tries.count, known_device=True)
            return
        failures = throttles.hit(_failures_key(username), window)
        locked = failures.count == settings.OPENIVAN_LOGIN_MAX_FAILURES
        audit.record(actor, "account.login_locked" if locked else "account.login_failed",
                     target, failures=failures.count)
        if client:
            from_client = throttles.hit(_client_key(client), window)
            if from_client.count == settings.OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT:
                audit.record(actor, "client.login_locked", f"client:{client}",
                             failures=from_client.count)


def login_succeeded(username: str, device: str | None = None) -> None:
    """Clears the account's failures (and the browser's), not the address's: signing in to
    one's own account must not buy more guesses at others."""
    with transaction.atomic():
        throttles.clear(_failures_key(username))
        if device:
            throttles.clear(_device_key(device))
        audit.record(f"user:{_normalised(username)}", "account.login",
                     f"account:{_normalised(username)}")


_DEVICE_SALT = "openivan.accounts.known-device"


def device_cookie_name(username: str) -> str:
    """One cookie per account, so a browser shared by several units knows each of them."""
    return "openivan_device_" + hashlib.sha256(_normalised(username).encode()).hexdigest()[:16]


def known_device(username: str, cookies: Mapping[str, str]) -> str | None:
    """The browser's id when it carries a valid cookie from a past sign-in to this account
    within OPENIVAN_KNOWN_DEVICE_DAYS (signed with SECRET_KEY or one of its fallbacks), and
    fewer failed sign-ins from it than an account may have."""
    value = cookies.get(device_cookie_name(username))
    if not value or settings.OPENIVAN_KNOWN_DEVICE_DAYS <= 0:
        return None
    try:
        data = signing.loads(value, salt=_DEVICE_SALT,
                             max_age=timedelta(days=settings.OPENIVAN_KNOWN_DEVICE_DAYS))
    except signing.BadSignature:  # forged, altered, expired, or for another key
        return None
    if not isinstance(data, dict) or data.get("account") != _normalised(username):
        return None
    device = str(data.get("device", ""))
    return device if device and not _device_locked(device) else None


def new_device_cookie(username: str) -> tuple[str, str] | None:
    """(name, value) of the cookie a successful sign-in leaves in the browser; a new id each
    time. None when known browsers are turned off."""
    if settings.OPENIVAN_KNOWN_DEVICE_DAYS <= 0:
        return None
    value = signing.dumps({"account": _normalised(username), "device": secrets.token_hex(12)},
                          salt=_DEVICE_SALT)
    return device_cookie_name(username), value


def _device_locked(device: str) -> bool:
    return throttles.peek(_device_key(device)).count >= settings.OPENIVAN_LOGIN_MAX_FAILURES


def _device_key(device: str) -> str:
    return f"login-device:{device[:64]}"


def _client_key(client: str) -> str:
    return f"login-client:{client[:100]}"


def _failures_key(username: str) -> str:
    return f"login:{_normalised(username)}"


def _normalised(username: str) -> str:
    # Cut to the longest username an account can have: a longer one names no account, and
    # the throttle's key must fit its column.
    return username.strip().lower()[:150]
