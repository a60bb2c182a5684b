"""`openivan manage worker`: the django-tasks-db worker, the outbox sender (due notifications)
and the periodic sweeps (expired codes, stop dates, notifications whose sender died). One
command, so a deployment runs one kind of background process; any number of them can run
against one database."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from openivan.notify import services as notify
from openivan.platform import sweeps
from openivan.platform.outages import DATABASE_DOWN
from openivan.platform.services import monitoring

log = logging.getLogger(__name__)
# While the database is out of reach, the job worker tries again after 1 s, 2 s, … up to this.
LONGEST_PAUSE_SECONDS = 30.0


class Command(DbWorker):
    help = ("Run the background worker: queued jobs, due notifications every "
            "OPENIVAN_NOTIFY_POLL_SECONDS, the sweeps every OPENIVAN_SWEEP_SECONDS")

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        parser.add_argument("--sweep-seconds", type=float, default=None,
                            help="seconds between sweeps (default: OPENIVAN_SWEEP_SECONDS)")

    def handle(self, *args: Any, **options: Any) -> None:  # type: ignore[override]
        every = options.pop("sweep_seconds") or settings.OPENIVAN_SWEEP_SECONDS
        name = monitoring.worker_name()
        if options.get("batch"):
            monitoring.beat(name)
            sweeps.run_all()
            while notify.deliver_due():  # until nothing is due (retries may be due at once)
                pass
            super().handle(*args, **options)
            return
        if options.get("reload") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The reloader's parent only watches files and restarts its child, which does
            # the work: threads here too would send and sweep (and report) twice.
            super().handle(*args, **options)
            return
        try:
            sweeps.run_all()  # first, so work a dead worker left behind is due again
        except DATABASE_DOWN as exc:  # its thread below runs them once the database is back
            log.error("the database is unavailable (%s); the sweeps wait for it", exc)
        stop = threading.Event()
        threads = [
            # Its own thread: a long sweep does not make the worker look stopped to the monitor.
            _every(monitoring.beat_interval().total_seconds(),
                   lambda: monitoring.beat(name), stop, "openivan-beat"),
            _every(every, sweeps.run_all, stop, "openivan-sweeps"),
            _every(settings.OPENIVAN_NOTIFY_POLL_SECONDS,
                   lambda: notify.deliver_due(stopping=stop.is_set), stop, "openivan-outbox",
                   drain=True),
        ]
        try:
            # SIGTERM and SIGINT end this (the job worker's handler exits once its job is done)
            self._run_jobs_through_outages(*args, **options)
        finally:
            stop.set()  # the job worker has stopped: so do the outbox and the sweeps…
            _finish(threads)  # …each after the work in hand (an email: never cut mid-send)

    def _run_jobs_through_outages(self, *args: Any, **options: Any) -> None:
        """The job worker gives up on a database error; a restart or failover of the database
        must not stop the background work until someone restarts the worker. SIGTERM still
        stops it during a pause (the job worker's signal handler exits)."""
        pause = 1.0
        while True:
            started = time.monotonic()
            try:
                super().handle(*args, **options)
                return
            except DATABASE_DOWN as exc:
                if time.monotonic() - started > LONGEST_PAUSE_SECONDS:
                    pause = 1.0  # it had been running: a new outage
                log.error("the database is unavailable (%s); jobs resume in %.0f s", exc, pause)
                connections.close_all()
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE_SECONDS)


def _finish(threads: list[threading.Thread]) -> None:
    """Wait for the threads to end their work in hand, for at most OPENIVAN_WORKER_STOP_SECONDS
    in all. An email cut mid-send would be sent again after the lease, perhaps a second time;
    one that outlasts the wait is left to that (a second SIGTERM or SIGINT does not wait)."""
    deadline = time.monotonic() + settings.OPENIVAN_WORKER_STOP_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = [thread.name for thread in threads if thread.is_alive()]
    if late:
        log.warning("stopping without waiting longer for %s", ", ".join(late))


def _every(seconds: float, work: Callable[[], Any], stop: threading.Event, name: str,
           drain: bool = False) -> threading.Thread:
    """Run `work` in a thread every `seconds`; with `drain`, again at once while it finds work
    (it returns how much it did)."""
    def loop() -> None:
        down = False  # one line when the database goes, one when it is back: not one a poll
        while True:
            found = 0
            try:
                found = work()
                if down:
                    log.warning("%s: the database is back", name)
                down = False
            except DATABASE_DOWN as exc:
                if not down:
                    log.error("%s: the database is unavailable (%s); trying every %s s",
                              name, exc, seconds)
                down = True
            except Exception:
                log.exception("%s failed", name)
            finally:
                close_old_connections()
            if stop.is_set() or (not (drain and found) and stop.wait(seconds)):
                return

    # A daemon, so that a worker whose thread outlasts `_finish` still exits.
    thread = threading.Thread(target=loop, daemon=True, name=name)
    thread.start()
    return thread
