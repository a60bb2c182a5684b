"""`openivan manage worker`: the django-tasks-db worker, the outbox sender (due notifications)
and the periodic sweeps (expired codes, stop dates, notifications whose sender died). One
command, so a deployment runs one kind of background process; any number of them can run
against one database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from openivan.conf import sweeps
from openivan.notify import services as notify

log = logging.getLogger(__name__)


class Command(DbWorker):
    help = ("Run the background worker: queued jobs, due notifications every "
            "OPENIVAN_NOTIFY_POLL_SECONDS, the sweeps every OPENIVAN_SWEEP_SECONDS")

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--sweep-seconds", type=float, default=None,
                            help="seconds between sweeps (default: OPENIVAN_SWEEP_SECONDS)")

    def handle(self, *args: Any, **options: Any) -> None:  # type: ignore[override]
        every = options.pop("sweep_seconds") or settings.OPENIVAN_SWEEP_SECONDS
        sweeps.run_all()  # first, so work a dead worker left behind is due again
        if options.get("batch"):
            while notify.deliver_due():  # until nothing is due (retries may be due at once)
                pass
            super().handle(*args, **options)
            return
        stop = threading.Event()
        _every(every, sweeps.run_all, stop, "openivan-sweeps")
        _every(settings.OPENIVAN_NOTIFY_POLL_SECONDS, notify.deliver_due, stop,
               "openivan-outbox", drain=True)
        try:
            super().handle(*args, **options)
        finally:
            stop.set()  # the job worker has stopped: so do the outbox and the sweeps


def _every(seconds: float, work: Callable[[], Any], stop: threading.Event, name: str,
           drain: bool = False) -> None:
    """Run `work` in a thread every `seconds`; with `drain`, again at once while it finds work
    (it returns how much it did)."""
    def loop() -> None:
        while True:
            found = 0
            try:
                found = work()
            except Exception:
                log.exception("%s failed", name)
            finally:
                close_old_connections()
            if not (drain and found) and stop.wait(seconds):
                return

    threading.Thread(target=loop, daemon=True, name=name).start()
