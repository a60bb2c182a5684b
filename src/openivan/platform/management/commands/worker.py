"""`openivan manage worker`: the background worker. It runs the job queues and the periodic
sweeps the installed apps registered (platform/jobs.py), in one thread: a deployment runs one
kind of background process, and any number of them can run against one database."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from openivan.platform import jobs
from openivan.platform.services import monitoring

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = ("Run the background worker: the apps' job queues (emails…) every --interval "
            "seconds, their sweeps every --sweep-seconds; SIGTERM or SIGINT stop it after the "
            "job in hand")
    requires_system_checks = ()  # it must start while the database is away

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=None,
                            help="seconds between two looks at an idle queue "
                                 "(default: OPENIVAN_NOTIFY_POLL_SECONDS)")
        parser.add_argument("--sweep-seconds", type=float, default=None,
                            help="seconds between sweeps (default: OPENIVAN_SWEEP_SECONDS)")
        parser.add_argument("--batch", action="store_true",
                            help="run every sweep once, then the queues until none has a due "
                                 "job (a queue whose server is away: one try), and exit")
        # The worker never reloads itself nor waits before starting; these options of the
        # previous worker are still accepted so that existing unit files keep working.
        parser.add_argument("--no-reload", dest="reload", action="store_false", help="(ignored)")
        parser.add_argument("--no-startup-delay", dest="startup_delay", action="store_false",
                            help="(ignored)")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        name = monitoring.worker_name()
        worker = jobs.Worker(
            poll_seconds=options["interval"] or settings.OPENIVAN_NOTIFY_POLL_SECONDS,
            sweep_seconds=options["sweep_seconds"] or settings.OPENIVAN_SWEEP_SECONDS,
            beat=lambda: monitoring.beat(name),
            beat_seconds=monitoring.beat_interval().total_seconds(),
            stopping=stop.is_set, sleep=stop.wait)
        if options["batch"]:
            worker.run_until_idle()
            return
        _stop_on_signals(stop)
        worker.run()


def _stop_on_signals(stop: threading.Event) -> None:
    """The first SIGTERM or SIGINT: finish the job in hand, take no other, exit; waiting at most
    OPENIVAN_WORKER_STOP_SECONDS (a job cut short is run again after its lease). A second one
    exits at once."""
    def first(signum: int, frame: FrameType | None) -> None:
        log.info("stopping after the job in hand (signal %s)", signum)
        stop.set()
        signal.signal(signal.SIGTERM, _exit_now)
        signal.signal(signal.SIGINT, _exit_now)
        signal.signal(signal.SIGALRM, _too_late)
        signal.setitimer(signal.ITIMER_REAL, settings.OPENIVAN_WORKER_STOP_SECONDS)

    signal.signal(signal.SIGTERM, first)
    signal.signal(signal.SIGINT, first)


def _exit_now(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _too_late(signum: int, frame: FrameType | None) -> None:
    log.warning("stopping without waiting longer for the job in hand")
    raise SystemExit(1)
