"""The outbox from the shell, after an outage of the mail server.

    openivan manage outbox requeue-failed [--since 2026-11-21]

Emails that gave up after their last attempt (queued on or after the day, in the agency's
time zone) are due again with a full set of attempts; prints how many. Each is on its
dossier's timeline and in the audit log, with the operating-system user who ran it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openivan.core.calendar import start_of_day
from openivan.core.errors import OpenIvanError
from openivan.notify.services import requeue_failed
from openivan.platform.management.shell import actor, refusal


class Command(BaseCommand):
    help = "Send again the emails that failed after their last attempt"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="command", required=True)
        requeue = actions.add_parser("requeue-failed", help="failed emails are due again")
        requeue.add_argument("--since", help="only emails queued from this day (YYYY-MM-DD)")

    def handle(self, *args: Any, command: str, since: str | None = None, **options: Any) -> None:
        try:
            first = None if since is None else start_of_day(since)
        except OpenIvanError as exc:
            raise refusal(exc) from exc
        self.stdout.write(str(requeue_failed(first, actor())))
