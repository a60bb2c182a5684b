"""`openivan manage worker`: the django-tasks-db worker plus the periodic sweeps (expired codes,
stop dates, notifications whose sender died). One command, so a deployment runs one kind of
background process; any number of them can run against one database."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from openivan.conf import sweeps

log = logging.getLogger(__name__)


class Command(DbWorker):
    help = "Run the background worker: queued jobs, and the sweeps every OPENIVAN_SWEEP_SECONDS"

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--sweep-seconds", type=float, default=None,
                            help="seconds between sweeps (default: OPENIVAN_SWEEP_SECONDS)")

    def handle(self, *args: Any, **options: Any) -> None:  # type: ignore[override]
        every = options.pop("sweep_seconds") or settings.OPENIVAN_SWEEP_SECONDS
        sweeps.run_all()  # first, so work a dead worker left behind is queued again
        if not options.get("batch"):
            stop = threading.Event()
            threading.Thread(target=_sweep_forever, args=(every, stop), daemon=True,
                             name="openivan-sweeps").start()
        super().handle(*args, **options)


def _sweep_forever(every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            sweeps.run_all()
        except Exception:
            log.exception("sweep failed")
        finally:
            close_old_connections()
