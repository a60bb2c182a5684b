"""Hộp thư demo: every email the platform sent, as the SMTP catcher received it, and every SMS,
as the demo's SMSC received it; and the demo's authenticator app, for the staff accounts'
second factor."""

from __future__ import annotations

import email.policy
import mailbox
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from openivan.accounts.middleware import second_factor_exempt
from openivan.accounts.models import SecondFactor
from openivan.accounts.services import second_factor
from openivan.core import totp
from openivan.demo.files import SMS_KEPT
from openivan.devsmsc import read_kept


@dataclass(frozen=True)
class Letter:
    key: str
    to: str
    subject: str
    date: datetime | None
    body: str


def _letters() -> list[Letter]:
    box = mailbox.Maildir(settings.OPENIVAN_DEMO_MAILBOX, create=True)
    letters = []
    for key, raw in box.iteritems():
        message = email.message_from_bytes(raw.as_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(preferencelist=("plain",))
        letters.append(Letter(key, str(message["To"]), str(message["Subject"] or "").strip(),
                              _sent_at(message["Date"]), str(part.get_content()) if part else ""))
    return sorted(letters, key=lambda m: m.date or datetime.min.replace(tzinfo=UTC),
                  reverse=True)


@dataclass(frozen=True)
class Sms:
    to: str  # 84…, as the SMSC got it
    date: datetime | None
    text: str  # its parts joined, as the phone shows it
    parts: int


def _sms() -> list[Sms]:
    kept = read_kept(Path(settings.OPENIVAN_DEMO_MAILBOX) / SMS_KEPT)
    return [Sms(m["to"], datetime.fromisoformat(m["at"]), m["text"], m["parts"]) for m in kept]


def _sent_at(header: str | None) -> datetime | None:
    """The Date header as an aware time. Python reads an RFC 2822 "-0000" (how Django writes
    UTC unless EMAIL_USE_LOCALTIME) as a naive time, which the page would show as if it were
    already Vietnam's time, 7 hours early."""
    if not header:
        return None
    sent = parsedate_to_datetime(header)
    return sent if sent.tzinfo else sent.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AppCode:
    username: str
    code: str
    confirmed: bool


@second_factor_exempt
def authenticator(request: HttpRequest) -> HttpResponse:
    """Ứng dụng xác thực demo: the phone app of every staff account of the demo, so a user
    without one can still follow a sign-in. Demo only: it reads the sealed secrets."""
    now = time.time()
    codes = [AppCode(f.user.get_username(),
                     totp.code_at(second_factor.secret_of(f), totp.time_step(now)),
                     f.confirmed_at is not None)
             for f in SecondFactor.objects.select_related("user").order_by("user__username")]
    return render(request, "demo/authenticator.html", {
        "codes": codes, "seconds_left": totp.PERIOD - int(now) % totp.PERIOD})


@second_factor_exempt
def mailbox_list(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/mailbox.html", {"letters": _letters(), "sms": _sms()})


@second_factor_exempt
def mailbox_letter(request: HttpRequest, key: str) -> HttpResponse:
    letter = next((m for m in _letters() if m.key == key), None)
    if letter is None:
        raise Http404(key)
    return render(request, "demo/letter.html", {"letter": letter})
