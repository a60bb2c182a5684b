"""What the accounts app hands the platform's worker: its sweep."""

from __future__ import annotations

from openivan.accounts.services import remind_expiring_passwords
from openivan.platform import jobs


def register() -> None:
    jobs.register_periodic("password_reminders", remind_expiring_passwords)
