"""The app server: gunicorn with its own threaded workers, configured in one place through its
public settings. In production it runs behind nginx (deploy/nginx, docs/operations.md),
two instances reloaded in turn; the demo and the tests run it alone.

Threaded workers (gthread) keep an I-VAN provider's connection open between its calls, so a
dossier does not pay for a new TCP connection; a sync worker closes every connection. Measured
with `benchmarks/bench_intake.py` (see the README's Development section)."""

from __future__ import annotations

import gc
import os
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from openivan.platform.logs import redact


@dataclass(frozen=True)
class WebServerOptions:
    bind: str
    workers: int
    threads: int
    access_log: str | None = None  # a file, "-" for standard output; None: no access log
    log_level: str = "info"


# Threads per process. Most dossiers come from units whose certificate the process has not
# checked yet, and wait for the CA's OCSP responder: with a responder 50 ms away, a process
# received 15.7 dossiers/s with 2 threads and 59.9 with 8 (`benchmarks/bench_intake.py
# --ocsp-latency-ms 50`). Only OPENIVAN_WEB_CPU_SLOTS (2) of them compute at once
# (platform/cpu_slots.py): 8 threads all computing shared the interpreter lock and stretched every
# request (p99 75-114 ms at 80 % load when every answer is cached; with the slots 38-90 ms,
# with 2 threads 35-95 ms).
DEFAULT_THREADS = 8


def default_workers() -> int:
    """One process per core this process may run on. A second process per core only made
    them contend for the core (p99 150-525 ms at 80 % load in three of five runs of the intake
    benchmark)."""
    return len(os.sched_getaffinity(0))


class WebServer(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    def __init__(self, options: WebServerOptions) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings().items():
            self.cfg.set(name, value)

    def settings(self) -> dict[str, Any]:
        options = self.options
        return {
            "bind": [options.bind],
            "workers": options.workers,
            "threads": options.threads,
            # gunicorn's own threaded worker, through its public options only. Alone it drops
            # a few requests at a graceful reload and lets a half-sent request hold a thread:
            # in production nginx stands in front (deploy/, docs/operations.md).
            "worker_class": "gthread",
            # Providers keep their connection between calls; a proxy in front keeps its own.
            "keepalive": 30,
            # A dossier may wait on a CA's OCSP responder (a few seconds at worst).
            "timeout": 60,
            "graceful_timeout": 30,
            # The app is loaded (and the agency key read) once, before the processes fork.
            "preload_app": True,
            # X-Forwarded-Proto is Django's to trust (OPENIVAN_TRUSTED_PROXIES), not gunicorn's.
            "forwarded_allow_ips": "",
            "accesslog": options.access_log,
            "errorlog": "-",
            "loglevel": options.log_level,
            "proc_name": "openivan-web",
            "logger_class": RedactingLogger,
        }

    def load(self) -> Any:
        from django.conf import settings
        from django.utils.module_loading import import_string

        # The project's WSGI application (conf/, the top layer), by its setting's name.
        application = import_string(settings.WSGI_APPLICATION)

        # What is loaded by now (Django and the app: ~108 000 objects) lives as long as the
        # process. Frozen, the collector's full passes skip it: unfrozen, one stopped every
        # request in flight of a web process for 55-345 ms in each intake benchmark run;
        # frozen, under 8 ms (tools/gc_pauses.py). Frozen before the fork, so every process
        # inherits it frozen. Not loaded here: the verifier. Each process builds it at its
        # first dossier, so the processes a `kill -HUP` starts read the trust store again.
        gc.collect()
        gc.freeze()
        return application


class RedactingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's access log without activation tokens, in the request line or the referrer
    (the activation page's own form posts carry it there)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any],
              request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if isinstance(value, str):
                atoms[name] = redact(value)
        return atoms


def run(options: WebServerOptions) -> None:
    """Serve until stopped (SIGTERM: finish the requests in flight, then stop)."""
    WebServer(options).run()
