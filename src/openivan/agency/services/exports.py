"""Lists of units and dossiers, and dossiers' files, leaving the platform: personal data, so
each export is logged."""

from __future__ import annotations

from django.db import transaction

from openivan.platform.services import audit


def record_export(officer: audit.Actor, listing: str, filters: str) -> None:
    """Nhật ký: who took which list out, with the filters that chose its rows."""
    with transaction.atomic():
        audit.record(officer, "console.exported", f"list:{listing}", filters=filters)


def record_download(officer: audit.Actor, number: str, what: str) -> None:
    """Nhật ký: who took a dossier's files out (`original` or `archive`)."""
    with transaction.atomic():
        audit.record(officer, "console.downloaded", f"dossier:{number}", what=what)
