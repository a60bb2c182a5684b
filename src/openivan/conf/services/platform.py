"""Platform facts for the status page and the health API; the worker ping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django_tasks_db.models import DBTaskResult

from openivan.conf import tasks


def database_vendor() -> str:
    return str(connection.vendor)


def pending_migrations() -> int:
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


@dataclass(frozen=True)
class WorkerStatus:
    last_ping_sent: datetime | None
    last_ping_answered: datetime | None
    waiting: int  # tasks of any kind not yet run

    @property
    def alive(self) -> bool:
        return self.last_ping_answered is not None and (
            self.last_ping_sent is None or self.last_ping_answered >= self.last_ping_sent)


def worker_status() -> WorkerStatus:
    pings = DBTaskResult.objects.filter(task_path=tasks.ping.module_path)
    last_sent = pings.order_by("-enqueued_at").values_list("enqueued_at", flat=True).first()
    last_done = (pings.filter(status="SUCCESSFUL").order_by("-finished_at")
                 .values_list("finished_at", flat=True).first())
    waiting = DBTaskResult.objects.filter(status="READY").count()
    return WorkerStatus(last_sent, last_done, waiting)


def ping_worker() -> str:
    """Enqueue a ping; the status page shows when the worker answers it."""
    with transaction.atomic():
        return str(tasks.ping.enqueue().id)
