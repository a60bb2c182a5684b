"""Platform facts for the health API and the monitor."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def database_vendor() -> str:
    return str(connection.vendor)


def pending_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
