"""Hộp thư demo: every email the platform sent, as the SMTP catcher received it."""

from __future__ import annotations

import email.policy
import mailbox
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


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


def _sent_at(header: str | None) -> datetime | None:
    """The Date header as an aware time. Python reads an RFC 2822 "-0000" (how Django writes
    UTC unless EMAIL_USE_LOCALTIME) as a naive time, which the page would show as if it were
    already Vietnam's time, 7 hours early."""
    if not header:
        return None
    sent = parsedate_to_datetime(header)
    return sent if sent.tzinfo else sent.replace(tzinfo=UTC)


def mailbox_list(request: HttpRequest) -> HttpResponse:
    return render(request, "demo/mailbox.html", {"letters": _letters()})


def mailbox_letter(request: HttpRequest, key: str) -> HttpResponse:
    letter = next((m for m in _letters() if m.key == key), None)
    if letter is None:
        raise Http404(key)
    return render(request, "demo/letter.html", {"letter": letter})
