"""Xác thực hai lớp: an authenticator app's code after the password, for every agency staff
account (officers, administrators); single-use recovery codes (Mã dự phòng) for a lost phone.

Staff accounts decide dossiers and read the registry, so a password alone — phished, reused,
guessed — must not open them. Unit accounts are not held to it here.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from openivan.accounts.models import RecoveryCode, SecondFactor
from openivan.core import totp
from openivan.core.codes import UNAMBIGUOUS, random_code
from openivan.core.errors import OpenIvanError
from openivan.platform import sealing
from openivan.platform.services import audit, throttles

SESSION_KEY = "openivan_second_factor"  # {"user": pk, "factor": pk} once passed
RECOVERY_CODES = 10
RECOVERY_LENGTH = 10
INVALID, REUSED = "OTP_INVALID", "OTP_REUSED"  # a failed try's error code


def required_for(user: Any) -> bool:
    """Staff status, superuser or any permission (an officer's, an auditor's): the account
    is the agency's, not a unit's. Any other account that chose to set up an app (a person's,
    from the portal's account page) is held to it too."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser or user.get_all_permissions():
        return bool(settings.OPENIVAN_STAFF_SECOND_FACTOR)
    return is_enrolled(user)


def passed(session: MutableMapping[str, Any], user: Any) -> bool:
    """Whether this session passed the second factor of this user's current app: an app
    reset by an administrator ends the sessions that passed with it."""
    mark = session.get(SESSION_KEY)
    if not isinstance(mark, dict) or mark.get("user") != user.pk:
        return False
    return SecondFactor.objects.filter(pk=mark.get("factor"), user_id=user.pk,
                                       confirmed_at__isnull=False).exists()


def is_enrolled(user: AbstractBaseUser) -> bool:
    return enrolled_since(user) is not None


def enrolled_since(user: AbstractBaseUser) -> datetime | None:
    """When the account's app was set up (None: not set up)."""
    return SecondFactor.objects.filter(user_id=user.pk, confirmed_at__isnull=False).values_list(
        "confirmed_at", flat=True).first()


@dataclass(frozen=True)
class Enrollment:
    secret: bytes
    uri: str  # otpauth://…, what the QR code carries

    @property
    def setup_key(self) -> str:
        return totp.grouped(totp.secret_text(self.secret))


def enrollment(user: AbstractBaseUser) -> Enrollment:
    """The app to set up: the same secret on every visit until its first code is typed, so
    reloading the page does not void a QR code already scanned."""
    factor, _ = SecondFactor.objects.get_or_create(
        user_id=user.pk, defaults={"sealed_secret": sealing.seal(totp.secret_text(
            totp.new_secret()))})
    if factor.confirmed_at is not None:
        raise OpenIvanError("SECOND_FACTOR_ALREADY_SET", username=user.get_username())
    secret = secret_of(factor)
    return Enrollment(secret, totp.provisioning_uri(secret, user.get_username(),
                                                    settings.OPENIVAN_SECOND_FACTOR_ISSUER))


def confirm(user: AbstractBaseUser, code: str, session: MutableMapping[str, Any],
            now: float | None = None) -> list[str]:
    """The first code from the newly set-up app: the app is confirmed, the session passes,
    and the recovery codes come back (shown once; only their digests are kept)."""
    now = time.time() if now is None else now
    _check_not_locked(user, now)
    factor = SecondFactor.objects.filter(user_id=user.pk, confirmed_at__isnull=True).first()
    if factor is None and is_enrolled(user):
        raise OpenIvanError("SECOND_FACTOR_ALREADY_SET", username=user.get_username())
    # No app being set up (the setup page was never opened): no code can be its.
    secret = secret_of(factor) if factor else b""
    step = totp.matching_step(secret, code, now) if factor else None
    if factor is None or step is None:
        _failed(user, now)
    with transaction.atomic():
        # Conditional: of two tabs confirming at once, one wins.
        if not SecondFactor.objects.filter(pk=factor.pk, confirmed_at__isnull=True).update(
                confirmed_at=timezone.now(), last_step=step):
            raise OpenIvanError("SECOND_FACTOR_ALREADY_SET", username=user.get_username())
        codes = _new_recovery_codes(user, secret)
        throttles.clear(_failures_key(user))
        audit.record(user, "account.second_factor_enrolled", _target(user))
    session[SESSION_KEY] = {"user": user.pk, "factor": factor.pk}
    return codes


def renew_recovery_codes(user: AbstractBaseUser, code: str,
                         now: float | None = None) -> list[str]:
    """Tạo bộ mã dự phòng mới: a fresh set for the one running out (or written down where
    others may have seen it); the old codes stop at once. Asks for a code of the app — not a
    recovery code — so a stolen session alone cannot take the account's way back in."""
    now = time.time() if now is None else now
    _check_not_locked(user, now)
    factor = _confirmed(user)
    with transaction.atomic():
        outcome = _use_app_code(factor, "".join(code.split()), now)
        if outcome == "app":
            codes = _new_recovery_codes(user, secret_of(factor))
            throttles.clear(_failures_key(user))
            audit.record(user, "account.recovery_codes_renewed", _target(user))
    if outcome != "app":
        _failed(user, now, outcome)
    return codes


def verify(user: AbstractBaseUser, code: str, session: MutableMapping[str, Any],
           now: float | None = None) -> None:
    """A code from the app, or one of the recovery codes; the session passes, or the try
    counts against the account (OPENIVAN_SECOND_FACTOR_MAX_FAILURES, then locked)."""
    now = time.time() if now is None else now
    _check_not_locked(user, now)
    factor = _confirmed(user)
    typed = "".join(code.split()).replace("-", "").upper()
    with transaction.atomic():
        if len(typed) == RECOVERY_LENGTH:
            method = "recovery_code" if _use_recovery_code(factor, typed) else INVALID
        else:
            method = _use_app_code(factor, typed, now)
        if method not in (INVALID, REUSED):
            throttles.clear(_failures_key(user))
            audit.record(user, "account.second_factor_passed", _target(user), method=method,
                         recovery_codes_left=recovery_codes_left(user))
    if method in (INVALID, REUSED):
        _failed(user, now, method)
    session[SESSION_KEY] = {"user": user.pk, "factor": factor.pk}


def reset(username: str, by: audit.Actor) -> None:
    """An administrator's reset for a lost phone and spent recovery codes: the app and the
    codes are removed, every session that passed with them must pass again, and the next
    sign-in sets up a new app."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise OpenIvanError("ACCOUNT_UNKNOWN", username=username)
    with transaction.atomic():
        removed, _ = SecondFactor.objects.filter(user_id=user.pk).delete()
        RecoveryCode.objects.filter(user_id=user.pk).delete()
        throttles.clear(_failures_key(user))
        if not removed:
            raise OpenIvanError("SECOND_FACTOR_NOT_SET", username=username)
        audit.record(by, "account.second_factor_reset", _target(user))


def reseal_secrets(by: str) -> tuple[int, list[int]]:
    """After a data-key rotation: seal every app's secret under the current key (the
    recovery codes' digests are keyed by the secret, so they move with it). How many moved,
    and the ids of those no key opens."""
    with transaction.atomic():
        moved, unreadable = sealing.reseal_rows(SecondFactor.objects.all(), "sealed_secret")
        audit.record(by, "data_key.resealed", "accounts.secondfactor", resealed=moved,
                     unreadable=len(unreadable))
    return moved, unreadable


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()


def shown_recovery_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def _confirmed(user: AbstractBaseUser) -> SecondFactor:
    factor = SecondFactor.objects.filter(user_id=user.pk, confirmed_at__isnull=False).first()
    if factor is None:
        raise OpenIvanError("SECOND_FACTOR_NOT_SET", username=user.get_username())
    return factor


def _new_recovery_codes(user: AbstractBaseUser, secret: bytes) -> list[str]:
    """Replaces the account's recovery codes; the new ones as shown, once."""
    codes = [random_code(RECOVERY_LENGTH) for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.filter(user_id=user.pk).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user_id=user.pk, digest=_recovery_digest(secret, c)) for c in codes)
    return [shown_recovery_code(c) for c in codes]


def _use_app_code(factor: SecondFactor, typed: str, now: float) -> str:
    step = totp.matching_step(secret_of(factor), typed, now)
    if step is None:
        return INVALID
    # Conditional on the last step used: a code (or an earlier one) accepted once is refused,
    # also when two requests carry it at the same moment.
    if not SecondFactor.objects.filter(pk=factor.pk, last_step__lt=step).update(last_step=step):
        return REUSED
    return "app"


def _use_recovery_code(factor: SecondFactor, typed: str) -> bool:
    if set(typed) - set(UNAMBIGUOUS):
        return False
    digest = _recovery_digest(secret_of(factor), typed)
    for candidate in RecoveryCode.objects.filter(user_id=factor.user_id, used_at__isnull=True):
        if hmac.compare_digest(candidate.digest, digest):
            return bool(RecoveryCode.objects.filter(pk=candidate.pk, used_at__isnull=True)
                        .update(used_at=timezone.now()))
    return False


def _check_not_locked(user: AbstractBaseUser, now: float) -> None:
    failures = throttles.peek(_failures_key(user), now)
    if failures.count >= settings.OPENIVAN_SECOND_FACTOR_MAX_FAILURES:
        raise OpenIvanError("OTP_LOCKED", minutes=failures.minutes_left(now))


def _failed(user: AbstractBaseUser, now: float, code: str = INVALID) -> NoReturn:
    """Count the failed try and refuse it (OTP_LOCKED at the last one allowed)."""
    limit = settings.OPENIVAN_SECOND_FACTOR_MAX_FAILURES
    with transaction.atomic():
        failures = throttles.hit(_failures_key(user),
                                 settings.OPENIVAN_LOGIN_LOCKOUT_MINUTES * 60, now)
        locked = failures.count >= limit
        audit.record(user, "account.second_factor_locked" if failures.count == limit
                     else "account.second_factor_failed", _target(user),
                     failures=failures.count, reason=code)
    if locked:
        raise OpenIvanError("OTP_LOCKED", minutes=failures.minutes_left(now))
    raise OpenIvanError(code, left=limit - failures.count)


def _recovery_digest(secret: bytes, code: str) -> str:
    # Keyed by the app's secret, which is sealed under the data key: a leaked table gives no
    # way to test guesses, and a data-key rotation moves the key with `reseal` (a digest
    # under the data key itself would need the old key for as long as the codes live).
    return hmac.new(secret, b"recovery-code:" + code.encode(), hashlib.sha256).hexdigest()


def secret_of(factor: SecondFactor) -> bytes:
    """The app's secret, unsealed (DATA_KEY_UNKNOWN if no key opens it)."""
    return totp.secret_from_text(sealing.unseal(bytes(factor.sealed_secret)))


def _failures_key(user: AbstractBaseUser) -> str:
    return f"second-factor:{user.pk}"


def _target(user: AbstractBaseUser) -> str:
    return f"account:{user.get_username()}"
