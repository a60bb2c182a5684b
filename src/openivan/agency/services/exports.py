"""Lists of units and dossiers leaving the platform: personal data, so each export is logged."""

from __future__ import annotations

from django.db import transaction

from openivan.conf.services import audit


def record_export(officer: audit.Actor, listing: str, filters: str) -> None:
    """Nhật ký: who took which list out, with the filters that chose its rows."""
    with transaction.atomic():
        audit.record(officer, "console.exported", f"list:{listing}", filters=filters)
