"""Every model change ships with its migration: a missing one would break `migrate` at the
next release on a production database, not in the tests (they build tables from migrations)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


def test_the_models_need_no_migration_that_is_not_written(db):
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as missing:
        pytest.fail(f"models changed without a migration (exit {missing.code}):\n"
                    f"{out.getvalue()}")
