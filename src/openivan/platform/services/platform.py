"""Platform facts for the health API and the monitor."""

from __future__ import annotations

import functools

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder


def database_vendor() -> str:
    return str(connection.vendor)


def pending_migrations() -> int:
    """Migrations the code carries that the database has not applied. The load balancer's
    health call asks it: building the migration plan each time cost 3.3 ms of CPU, for anyone
    who calls; now one query."""
    applied = MigrationRecorder(connection).applied_migrations()
    return len(_migrations_in_the_code() - applied.keys())


@functools.cache
def _migrations_in_the_code() -> frozenset[tuple[str, str]]:
    # Read once per process: the code does not change under it (a deploy restarts it).
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
