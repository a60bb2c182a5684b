"""`openivan manage status`: the monitor's checks, for a person or for a monitoring system.

    openivan manage status          # one line a check, in the shell's language
    openivan manage status --json   # what GET /api/v1/health/checks answers

It exits as a Nagios plugin does (0 all well, 1 a warning, 2 a critical check), so Nagios,
Icinga or Zabbix can run it as it is; a database out of reach is critical too."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from openivan.core.errors import OpenIvanError
from openivan.core.language import language
from openivan.platform.outages import DATABASE_DOWN
from openivan.platform.services import monitoring

LABELS = {monitoring.OK: "OK", monitoring.WARNING: "WARNING", monitoring.CRITICAL: "CRITICAL"}


class Command(BaseCommand):
    help = "Check the platform as a monitor would (exit 0 ok, 1 warning, 2 critical)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="JSON, as the HTTP call gives")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checks = monitoring.run_checks()
        except DATABASE_DOWN as exc:
            error = OpenIvanError("DATABASE_UNAVAILABLE")
            checks = [monitoring.Check("database", monitoring.CRITICAL, "%(message)s",
                                       {"message": error.message(language())}, detail=str(exc))]
        if options["json"]:
            self.stdout.write(json.dumps(monitoring.report(checks), ensure_ascii=False,
                                         indent=2))
        else:
            with translation.override(language()):
                for check in checks:
                    detail = f" ({check.detail})" if check.detail else ""
                    self.stdout.write(f"{LABELS[check.level]:8} {check.name}: "
                                      f"{check.text()}{detail}")
        sys.exit(monitoring.EXIT_STATUS[monitoring.worst(checks)])
