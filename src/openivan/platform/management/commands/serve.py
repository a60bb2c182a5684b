"""`openivan manage serve`: the web server for production (and the demo).

Before it listens it refuses what would only fail later, one request at a time: a failed
system check (with DEBUG off, the deployment checks too: the agency's key, its certificate, the
trust store) or a database with migrations not yet applied. Then it collects the static files
(the admin's, the API documentation's; `platform.static_files`: only when they changed since the
last start) and starts gunicorn (`openivan.platform.webserver`)."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from django.utils.translation import gettext as _

from openivan.core.language import language
from openivan.platform import static_files, webserver


class Command(BaseCommand):
    help = "Run the web server (gunicorn, threaded workers) after the checks"
    requires_system_checks: ClassVar[list[str]] = []  # run below, with the deployment checks

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("OPENIVAN_BIND", "127.0.0.1:8000"),
                            help="address:port to listen on (default: OPENIVAN_BIND or "
                            "127.0.0.1:8000)")
        parser.add_argument("--workers", help="processes (default: OPENIVAN_WEB_WORKERS or "
                            "one per core)")
        parser.add_argument("--threads", help="threads per process (default: "
                            f"OPENIVAN_WEB_THREADS or {webserver.DEFAULT_THREADS})")
        parser.add_argument("--access-log", default=None,
                            help="write an access log to this file ('-': standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(language()):
            workers = _count(options["workers"], "--workers", "OPENIVAN_WEB_WORKERS",
                             webserver.default_workers())
            threads = _count(options["threads"], "--threads", "OPENIVAN_WEB_THREADS",
                             webserver.DEFAULT_THREADS)
            self.check(include_deployment_checks=not settings.DEBUG, display_num_errors=True)
            _refuse_unapplied_migrations()
            warning = connections_warning(workers, threads)
            if warning:
                self.stderr.write(self.style.WARNING(warning))
        static_files.collect()  # only what changed since the last start
        connections.close_all()  # the checks opened one: forked processes must not share it
        webserver.run(webserver.WebServerOptions(
            bind=options["bind"], workers=workers, threads=threads,
            access_log=options["access_log"], log_level=settings.LOG_LEVEL.lower()))


def _refuse_unapplied_migrations() -> None:
    executor = MigrationExecutor(connections["default"])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise CommandError(_("%(count)d database migrations are not applied yet: run "
                             "`openivan manage migrate` first") % {"count": len(pending)})


def connections_warning(workers: int, threads: int) -> str | None:
    """Each thread keeps a database connection: past PostgreSQL's max_connections, the
    processes fail to connect only when the load finally uses every thread (503s at the
    busiest hour). Said at start when this host alone may take more than half of them."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int"
                       " - current_setting('superuser_reserved_connections')::int")
        available = int(cursor.fetchone()[0])
    wanted = workers * threads
    if wanted * 2 <= available:
        return None
    return _("%(workers)d processes × %(threads)d threads may open %(wanted)d database "
             "connections; PostgreSQL accepts %(available)d in all (max_connections less "
             "superuser_reserved_connections), shared with the workers and any other web host. "
             "Raise max_connections, put PgBouncer in front, or give fewer --threads.") % {
        "workers": workers, "threads": threads, "wanted": wanted, "available": available}


def _count(given: str | None, option: str, variable: str, default: int) -> int:
    """The option's value, else the environment variable's, else the default: a whole number
    of at least 1."""
    text = given if given is not None else os.environ.get(variable, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        name = option if given is not None else variable
        raise CommandError(_("%(name)s must be a whole number of at least 1, not %(value)r")
                           % {"name": name, "value": text})
    return int(text)
