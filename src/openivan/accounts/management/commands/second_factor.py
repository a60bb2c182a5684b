"""Two-step verification of agency staff accounts (Xác thực hai lớp).

    openivan manage second_factor reset canbo01   # a lost phone and spent recovery codes
    openivan manage second_factor list            # which staff accounts have set it up

A reset removes the account's app and recovery codes and ends the sessions that passed with
them; the next sign-in sets up a new app. It goes to the audit log with the operating-system
user who made it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Q

from openivan.accounts.services import second_factor
from openivan.core.errors import OpenIvanError
from openivan.platform.management.shell import actor, refusal


class Command(BaseCommand):
    help = "Reset a staff account's two-step verification, or list who has set it up"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        reset = actions.add_parser("reset", help="remove the account's app and recovery codes")
        reset.add_argument("username")
        actions.add_parser("list", help="staff accounts and whether each has set it up")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "reset":
            try:
                second_factor.reset(options["username"], by=actor())
            except OpenIvanError as exc:
                raise refusal(exc) from exc
            return
        staff = get_user_model().objects.filter(
            Q(is_staff=True) | Q(is_superuser=True) | Q(user_permissions__isnull=False)
            | Q(groups__permissions__isnull=False)).distinct().order_by("username")
        for user in staff:
            state = "set up" if second_factor.is_enrolled(user) else "not set up"
            self.stdout.write(f"{user.get_username()}\t{state}\t"
                              f"{second_factor.recovery_codes_left(user)} recovery codes left")
