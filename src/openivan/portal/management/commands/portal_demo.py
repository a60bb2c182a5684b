"""Load the reception desk's demo data: records of insured persons, reception points, and the
desk officer (`openivan manage portal_demo [--grant USER]`). Safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from openivan.portal.services import demo


class Command(BaseCommand):
    help = "Load the desk's demo records, reception points and desk officer"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--grant", action="append", default=[],
                            help="also give this existing account the desk's permissions")

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = demo.load()
        for username in options["grant"]:
            demo.grant_desk(username)
        self.stdout.write(f"{loaded.records} records, {loaded.points} reception points; "
                          f"desk officer {loaded.officer} / {demo.DESK_OFFICER[1]}")
