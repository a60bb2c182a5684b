"""What every management command of the platform shares: who ran it, and how a refusal reads."""

from __future__ import annotations

import getpass

from django.core.management.base import CommandError

from openivan.core.errors import OpenIvanError
from openivan.core.language import language


def actor() -> str:
    """The audit log's name for the operating-system user running the command."""
    return f"cli:{getpass.getuser()}"


def refusal(error: OpenIvanError, detail: str = "") -> CommandError:
    """The error's code and its message in the shell's language (exit status 1)."""
    return CommandError(f"{error.code}: {error.message(language())}{detail}")
