"""Counters of events per key in a window, shared by every process through the database.

A window opens at a key's first event and lasts `seconds`; the event after it ends opens a
new one. One upsert per event (SQLite ≥ 3.35 and PostgreSQL both speak it): concurrent
events never lose a count, and no read-then-write race lets a burst past the limit."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection

from openivan.platform.models import Throttle


@dataclass(frozen=True)
class Hits:
    count: int  # events in the current window, this one included
    window_ends: float  # epoch seconds

    def seconds_left(self, now: float | None = None) -> int:
        """Whole seconds until the window ends (at least 1 while it runs)."""
        left = self.window_ends - (time.time() if now is None else now)
        return max(1, math.ceil(left))

    def minutes_left(self, now: float | None = None) -> int:
        """Whole minutes until the window ends, as a lockout message says them."""
        return math.ceil(self.seconds_left(now) / 60)


def hit(key: str, seconds: float, now: float | None = None) -> Hits:
    """Count one event for `key`; its window's count after it."""
    now_ms = int((time.time() if now is None else now) * 1000)
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(connection.vendor),
                       [key, now_ms + int(seconds * 1000), now_ms, now_ms])
        count, ends_ms = cursor.fetchone()
    return Hits(count, ends_ms / 1000)


def peek(key: str, now: float | None = None) -> Hits:
    """The events counted for `key` in a window still running (0 when none runs)."""
    now = time.time() if now is None else now
    row = Throttle.objects.filter(key=key, window_ends_ms__gt=int(now * 1000)).values_list(
        "count", "window_ends_ms").first()
    return Hits(row[0], row[1] / 1000) if row else Hits(0, now)


def clear(key: str) -> None:
    Throttle.objects.filter(key=key).delete()


def sweep_throttles(now: float | None = None) -> int:
    """Forget windows that ended (the worker's sweep): the table holds only live keys."""
    now_ms = int((time.time() if now is None else now) * 1000)
    deleted, _ = Throttle.objects.filter(window_ends_ms__lte=now_ms).delete()
    return deleted


@lru_cache(maxsize=4)
def _upsert_sql(vendor: str) -> str:
    # Both SET expressions read the row as it was before this statement.
    q = connection.ops.quote_name
    table, key, count, ends = (q(Throttle._meta.db_table), q("key"), q("count"),
                               q("window_ends_ms"))
    return (f"INSERT INTO {table} ({key}, {count}, {ends}) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({key}) DO UPDATE SET "
            f"{count} = CASE WHEN {table}.{ends} <= %s THEN 1 ELSE {table}.{count} + 1 END, "
            f"{ends} = CASE WHEN {table}.{ends} <= %s THEN excluded.{ends} "
            f"ELSE {table}.{ends} END "
            f"RETURNING {count}, {ends}")
