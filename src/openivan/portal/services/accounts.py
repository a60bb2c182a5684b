"""Individuals' accounts (tài khoản giao dịch điện tử của cá nhân): who an identifier names,
and "quên mật khẩu" — a code sent by SMS, then a new password.

The password rules, the sign-in lockout, the one-time password and the second factor are the
accounts app's (accounts.services, accounts.forms): a person's account is a Django user whose
name is the mã số BHXH, with a Person row (portal.models) for what only a person has. This
module adds only what a person's account has that a unit's has not: signing in with an ID
number as well, and a reset by SMS.

A reset code is 6 digits by default, kept as a keyed digest (platform.sealing), single use,
valid OPENIVAN_PORTAL_RESET_CODE_MINUTES, dead after OPENIVAN_PORTAL_RESET_MAX_TRIES wrong
tries; a new one replaces the previous. At most OPENIVAN_PORTAL_RESET_PER_DAY are sent to a
person in 24 hours, and one address may ask or mistype at most OPENIVAN_PORTAL_RESET_PER_CLIENT
times in OPENIVAN_LOGIN_LOCKOUT_MINUTES (platform.services.throttles).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.db import transaction
from django.utils import timezone

from openivan.accounts import services as accounts
from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import normalize_text
from openivan.notify.services import queue_sms
from openivan.platform import sealing
from openivan.platform.services import audit, throttles
from openivan.portal import account_errors  # noqa: F401  (registers its error codes)
from openivan.portal.models import Person, ResetCode

RESET_TEMPLATE = "portal_reset_code"  # notify/sms/portal_reset_code.txt


def parse_identifier(value: str) -> str:
    """The digits of a mã số BHXH (10), a CCCD (12) or a CMND (9); PORTAL_IDENTIFIER_FORMAT
    otherwise. Spaces and dots people type between groups are dropped."""
    digits = normalize_text(value).replace(" ", "").replace(".", "")
    if not digits.isascii() or not digits.isdigit() or len(digits) not in (9, 10, 12):
        raise OpenIvanError("PORTAL_IDENTIFIER_FORMAT")
    return digits


def find_person(identifier: str) -> Person | None:
    """The person a sign-in or a reset names: by mã số BHXH (10 digits) or by the ID number
    of the declaration that opened the account (CCCD 12, CMND 9). An ID number held by two
    accounts (an old CMND reused by mistake in the records) names neither: the person signs
    in with the mã số BHXH."""
    try:
        digits = parse_identifier(identifier)
    except OpenIvanError:
        return None
    people = Person.objects.select_related("user")
    if len(digits) == 10:
        return people.filter(bhxh_number=digits).first()
    found = list(people.filter(id_number=digits)[:2])
    return found[0] if len(found) == 1 else None


def username_for(identifier: str) -> str:
    """The account name (mã số BHXH) an identifier stands for, or the identifier as typed
    when it names no person: the lockout then counts against that, as for a unit."""
    person = find_person(identifier)
    return person.bhxh_number if person else identifier.strip()


@dataclass(frozen=True)
class ResetSent:
    phone_hint: str  # the last 3 digits of the number the code went to: "*******678"
    expires_at: datetime


def request_reset(identifier: str, client: str, now: datetime | None = None) -> ResetSent | None:
    """Quên mật khẩu, step 1: a new code by SMS to the account's phone, queued with the code
    in one transaction. None when the identifier names no account (the page says the same
    either way, so the form does not tell who has an account). Raises
    PORTAL_RESET_CLIENT_LIMIT, PORTAL_RESET_DAILY_LIMIT."""
    _count_client(client)
    person = find_person(identifier)
    if person is None:
        audit.record(_client_actor(client), "portal.reset_unknown", "account:?",
                     identifier=identifier.strip()[:20])
        return None
    now = now or timezone.now()
    day_ago = now - timedelta(days=1)
    with transaction.atomic():
        # The person's row locked: two requests at once do not both pass the daily count.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        recent = list(ResetCode.objects.filter(person=person, created_at__gt=day_ago)
                      .order_by("created_at").values_list("created_at", flat=True))
        if len(recent) >= settings.OPENIVAN_PORTAL_RESET_PER_DAY:
            hours = math.ceil((recent[0] + timedelta(days=1) - now) / timedelta(hours=1))
            audit.record(_client_actor(client), "portal.reset_refused", _target(person),
                         reason="daily_limit")
            raise OpenIvanError("PORTAL_RESET_DAILY_LIMIT",
                                limit=settings.OPENIVAN_PORTAL_RESET_PER_DAY,
                                hours=max(1, hours), hotline=settings.OPENIVAN_AGENCY_HOTLINE)
        # One live code at a time: the previous ones stop working.
        ResetCode.objects.filter(person=person, used_at__isnull=True,
                                 expires_at__gt=now).update(expires_at=now)
        code = "".join(secrets.choice("0123456789")
                       for _ in range(settings.OPENIVAN_PORTAL_RESET_CODE_LENGTH))
        expires_at = now + timedelta(minutes=settings.OPENIVAN_PORTAL_RESET_CODE_MINUTES)
        ResetCode.objects.create(person=person, digest=_digest(person, code), created_at=now,
                                 expires_at=expires_at)
        name = person.user.profile.display_name if hasattr(person.user, "profile") else ""
        queue_sms(f"account:{person.bhxh_number}", RESET_TEMPLATE, person.phone, {
            "name": name or person.bhxh_number, "code": code, "until": expires_at,
        }, valid_until=expires_at)  # a code that expired unsent is not sent at all
        audit.record(_client_actor(client), "portal.reset_code_sent", _target(person),
                     expires_at=expires_at.isoformat())
    return ResetSent("*" * 7 + person.phone[-3:], expires_at)


def reset_password(identifier: str, code: str, form: SetPasswordForm, client: str,
                   now: datetime | None = None) -> bool:
    """Quên mật khẩu, step 2: the code of the latest SMS, then the new password (the
    accounts app's rules: `form`, bound to the person's user). False, with nothing changed,
    when the code is right but the form is not (its errors say why: the code keeps its
    tries). Raises PORTAL_RESET_CODE_INVALID (a try counted), PORTAL_RESET_CODE_EXPIRED,
    PORTAL_RESET_CLIENT_LIMIT."""
    _check_client(client)
    now = now or timezone.now()
    person = find_person(identifier)
    with transaction.atomic():
        live = None if person is None else ResetCode.objects.select_for_update().filter(
            person=person, used_at__isnull=True, expires_at__gt=now,
            tries__lt=settings.OPENIVAN_PORTAL_RESET_MAX_TRIES).order_by("-created_at").first()
        if person is None or live is None:
            wrong = None
        else:
            typed = "".join(code.split())
            wrong = not sealing.digest_matches(live.digest, _message(person, typed))
            if not wrong:
                if not form.is_valid():
                    return False
                live.used_at = now
                live.save(update_fields=["used_at"])
                accounts.change_password(form)  # its rules, its audit event, the age restarts
                audit.record(_client_actor(client), "portal.password_reset", _target(person))
                return True
            live.tries += 1
            live.save(update_fields=["tries"])
            audit.record(_client_actor(client), "portal.reset_code_wrong", _target(person),
                         tries=live.tries)
    _count_client(client, check_first=False)  # outside: the count survives the refusal
    if wrong is None:
        raise OpenIvanError("PORTAL_RESET_CODE_EXPIRED")
    assert live is not None
    left = settings.OPENIVAN_PORTAL_RESET_MAX_TRIES - live.tries
    if left <= 0:
        raise OpenIvanError("PORTAL_RESET_CODE_EXPIRED")
    raise OpenIvanError("PORTAL_RESET_CODE_INVALID", left=left)


def phone_of(user: Any) -> str | None:
    """A person's mobile number, for the accounts app's own notices (platform.registries.
    account_phones); None for an account that is not a person's."""
    person = Person.objects.filter(user_id=user.pk).only("phone").first()
    return person.phone if person else None


def user_of(identifier: str) -> Any:
    """The Django user behind an identifier (for the form that checks the new password)."""
    person = find_person(identifier)
    return person.user if person else None


def _digest(person: Person, code: str) -> str:
    return sealing.digest(_message(person, code))


def _message(person: Person, code: str) -> bytes:
    # Bound to the person: a code (one of a million) that is someone else's is no match.
    return f"portal-reset:{person.pk}:{code}".encode()


def _client_key(client: str) -> str:
    return f"portal-reset-client:{client[:100]}"


def _check_client(client: str) -> None:
    if not client:
        return
    hits = throttles.peek(_client_key(client))
    if hits.count >= settings.OPENIVAN_PORTAL_RESET_PER_CLIENT:
        raise OpenIvanError("PORTAL_RESET_CLIENT_LIMIT", minutes=hits.minutes_left())


def _count_client(client: str, check_first: bool = True) -> None:
    """One request (or one wrong code) from `client`, refused past the limit."""
    if not client:
        return
    if check_first:
        _check_client(client)
    throttles.hit(_client_key(client), settings.OPENIVAN_LOGIN_LOCKOUT_MINUTES * 60)


def _client_actor(client: str) -> str | None:
    return f"client:{client}" if client else None


def _target(person: Person) -> str:
    return f"account:{person.bhxh_number}"


def sign_in_identity(identity: Any) -> Any:
    """The user of the account whose Person has the ID number a provider vouched for
    (portal.identity); PORTAL_IDENTITY_NO_ACCOUNT when none (or two) has it."""
    found = list(Person.objects.select_related("user").filter(
        id_number=identity.id_number)[:2])
    if len(found) != 1:
        raise OpenIvanError("PORTAL_IDENTITY_NO_ACCOUNT", provider=identity.provider,
                            id_number=identity.id_number)
    person = found[0]
    audit.record(f"user:{person.bhxh_number}", "account.login", _target(person),
                 provider=identity.provider, subject=identity.subject[:100])
    return person.user
