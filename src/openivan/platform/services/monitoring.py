"""Giám sát vận hành: what an operator must hear about before the units do.

Each check says ok, warning or critical, in words for people and with a stable name for
monitors. A stopped worker is the quiet failure this exists for: nothing errors, but no email
leaves and no code expires, and the units find out a day later. `openivan manage status`
exits as a Nagios plugin does (0, 1, 2); `GET /api/v1/health/checks` answers 503 on a critical
check; staff see the same list on the home page.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from openivan.core.calendar import shown
from openivan.platform import registries
from openivan.platform.models import WorkerBeat
from openivan.platform.services.platform import pending_migrations

OK, WARNING, CRITICAL = "ok", "warning", "critical"
EXIT_STATUS = {OK: 0, WARNING: 1, CRITICAL: 2}  # the Nagios plugin convention
# A worker that has missed this many beats in a row is taken for stopped.
MISSED_BEATS = 3
# Rows of workers gone this long are forgotten by the sweep (each restart is a new pid).
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Check:
    """One fact about the platform. `message` is an English msgid (translated when shown,
    with `params`); `detail` is for operators, as the underlying tool said it."""

    name: str  # stable: database, worker, outbox_late, agency_key, decisions, …
    level: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    detail: str = ""

    def text(self, language: str | None = None) -> str:
        with translation.override(language or translation.get_language()):
            return gettext(self.message) % self.params

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "level": self.level, "summary": self.text("vi"),
                "summary_en": self.text("en"), "detail": self.detail}


def worst(checks: list[Check]) -> str:
    return max((c.level for c in checks), key=EXIT_STATUS.__getitem__, default=OK)


def report(checks: list[Check]) -> dict[str, Any]:
    """What a monitoring system reads: the worst level, then every check."""
    return {"status": worst(checks), "checks": [c.as_dict() for c in checks]}


def run_checks(now: datetime | None = None) -> list[Check]:
    """The platform's checks, then those of each installed app (registries.monitoring_checks),
    in a fixed order."""
    now = now or timezone.now()
    found = [_database(), _workers(now)]
    for source in registries.monitoring_checks:
        found += source(now)
    return found


def _database() -> Check:
    pending = pending_migrations()
    if pending:
        return Check("database", CRITICAL, "%(count)d migration(s) not applied: run "
                     "`openivan manage migrate`", {"count": pending})
    return Check("database", OK, "Reachable, migrations up to date")


def _workers(now: datetime) -> Check:
    beats = list(WorkerBeat.objects.filter(seen_at__gte=now - FORGET_AFTER)
                 .order_by("-seen_at"))
    if not beats:
        return Check("worker", CRITICAL, "No background worker is running: emails are not "
                     "sent and codes do not expire. Start `openivan manage worker`")
    running = [b for b in beats if b.seen_at >= now - beat_interval() * MISSED_BEATS]
    if not running:
        return Check("worker", CRITICAL, "No background worker has reported since "
                     "%(at)s: emails are not sent. Start `openivan manage worker`",
                     {"at": shown(beats[0].seen_at)})
    return Check("worker", OK, "%(count)d worker(s) running", {"count": len(running)},
                 detail=", ".join(b.name for b in running))


def beat_interval() -> timedelta:
    return timedelta(seconds=settings.OPENIVAN_SWEEP_SECONDS)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def beat(name: str) -> None:
    """A worker says it is running (every `beat_interval`, from its own thread)."""
    now = timezone.now()
    with transaction.atomic():
        if not WorkerBeat.objects.filter(name=name).update(seen_at=now):
            WorkerBeat.objects.create(name=name, seen_at=now)


def forget_gone_workers(now: datetime | None = None) -> int:
    """Sweep: rows of workers not heard from for a day (their alert has had its day)."""
    now = now or timezone.now()
    return int(WorkerBeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()[0])
