"""Export and prune the audit log (Nhật ký kiểm toán).

    openivan manage audit export [--since 2026-01-01] [--until 2026-07-01] [--action account.]
    openivan manage audit prune --before 2025-01-01 [--action account.login]

`export` writes one JSON object per line, oldest first, to standard output. `prune` deletes
events older than a date (never younger than OPENIVAN_AUDIT_MIN_DAYS) and records that it
did, with the operating-system user who ran it. Dates are days in the agency's time zone."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openivan.core.calendar import start_of_day
from openivan.core.errors import OpenIvanError
from openivan.platform.management.shell import actor, refusal
from openivan.platform.services import audit


class Command(BaseCommand):
    help = "Export the audit log as JSON lines, or prune events older than a date"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="command", required=True)
        export = actions.add_parser("export", help="events as JSON lines, oldest first")
        export.add_argument("--since", help="first day included (YYYY-MM-DD)")
        export.add_argument("--until", help="first day excluded (YYYY-MM-DD)")
        prune = actions.add_parser("prune", help="delete events older than a day")
        prune.add_argument("--before", required=True, help="first day kept (YYYY-MM-DD)")
        for sub in (export, prune):
            sub.add_argument("--action", default="",
                             help="only actions starting with this, e.g. account.login")

    def handle(self, *args: Any, command: str, **options: Any) -> None:
        try:
            if command == "export":
                self._export(_day(options["since"]), _day(options["until"]), options["action"])
            else:
                before = _day(options["before"])
                assert before is not None  # required by the parser
                deleted = audit.prune(before, actor(), options["action"])
                self.stdout.write(str(deleted))
        except OpenIvanError as exc:
            raise refusal(exc) from exc

    def _export(self, since: datetime | None, until: datetime | None, action: str) -> None:
        for event in audit.events(since, until, action):
            self.stdout.write(json.dumps(event, ensure_ascii=False, sort_keys=True))


def _day(value: str | None) -> datetime | None:
    """The start of a day in the agency's time zone."""
    return None if value is None else start_of_day(value)
