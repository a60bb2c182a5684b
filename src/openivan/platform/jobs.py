"""Background work (việc chạy nền): named job queues and periodic sweeps that apps register,
run by one kind of process, `openivan manage worker`. The only mechanism: no task library,
no threads.

A queue's job is a row of the app's own table (an outbox row: the email, the SMS, the
transaction to send), inserted in the same transaction as the change it follows, so that the
change and its job commit together or not at all and the intake pays one insert, not two
(docs/decisions.md: "One mechanism for background work"). The row carries four columns the
queue drives::

    status           pending ─▶ running ─▶ done; running ─▶ pending (retry, or its worker died)
                     ─▶ … ─▶ failed        (the app names these states, e.g. pending/sending/sent)
    attempts         counted at each claim
    next_attempt_at  due from then: now when queued, later after a failed attempt (backoff)
    lease_until      a running row's claim; past it, the worker is presumed dead

Register in the app's `AppConfig.ready()`::

    jobs.register_queue("email", send_one, model=Notification, machine=NOTIFICATION,
                        states=jobs.States("pending", "sending", "sent", "failed"),
                        settings_prefix="OPENIVAN_NOTIFY")
    jobs.register_periodic("notifications_outdated", expire_outdated)  # every sweep

`send_one(row)` does the work; returning marks the row done, raising schedules a retry
(`{prefix}_RETRY_SECONDS`, doubling, at most `{prefix}_RETRY_MAX_SECONDS`) until
`{prefix}_MAX_ATTEMPTS`, then failed; at once when the queue's `retryable(error)` says the
error will not pass (a number the SMS centre refuses stays refused). It may return a
function to run once `done` is committed (closing a connection whose goodbye need not delay
the commit). When the queue's `away(error)` says the server it talks to is away (no
connection, no answer, throttling), the worker's turn on that queue ends and the queue rests
(`{prefix}_RETRY_SECONDS`, doubling while it stays away, at most `REST_MAX_SECONDS`): an SMTP
server that hangs costs the worker's other queues one timeout per rest, not one per email.

Guarantees: a row is claimed (one short committed transaction, `SELECT … FOR UPDATE SKIP
LOCKED` on PostgreSQL, a conditional UPDATE everywhere) before its handler starts, so no two
workers run it at once; it is marked done right after its handler returns. A worker that is
stopped (SIGTERM, SIGINT) finishes the row in hand and takes no other. One that is killed
leaves its claim to expire: the `jobs.recover` sweep makes the row due again, and the app's
`log` hook records it ("lost": it may have run).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import close_old_connections, connections, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from openivan.core.states import Machine
from openivan.platform.outages import DATABASE_DOWN

log = logging.getLogger(__name__)

Handler = Callable[[Any], "Callable[[], None] | None"]
# (row, outcome, detail, now), inside the transaction that records the outcome: done, retry,
# failed or lost.
Log = Callable[[Any, str, str, datetime], None]


class States(NamedTuple):
    """The values of a queue's `status` column for each stage of a job."""

    pending: str
    running: str
    done: str
    failed: str


def job_machine(states: States) -> Machine:
    """The lifecycle of a row that is only a job (an app's own table of work to do, not a
    domain object with a lifecycle of its own): pending → running → done; running → pending
    (a retry, or its worker died) or failed; failed → pending (asked again)."""
    return Machine("việc chạy nền", "background job", {
        states.pending: (states.running,),
        states.running: (states.done, states.pending, states.failed),
        states.failed: (states.pending,),
        states.done: (),
    }, {states.pending: "Chờ chạy", states.running: "Đang chạy", states.done: "Xong",
        states.failed: "Không thành công"})


@dataclass(frozen=True)
class Queue:
    name: str
    handler: Handler
    model: type[models.Model]
    machine: Machine  # the row's lifecycle: every change of `status` is checked against it
    states: States
    settings_prefix: str  # {prefix}_LEASE_SECONDS, _MAX_ATTEMPTS, _RETRY_SECONDS, …
    due: Callable[[datetime], Q] = field(default=lambda now: Q())  # further conditions
    done_fields: Callable[[Any], dict[str, Any]] = field(default=lambda row: {})
    log: Log | None = None
    retryable: Callable[[Exception], bool] = field(default=lambda exc: True)
    away: Callable[[Exception], bool] = field(default=lambda exc: False)

    def setting(self, name: str) -> Any:
        return getattr(settings, f"{self.settings_prefix}_{name}")

    def backoff(self, attempts: int) -> timedelta:
        """Exponential: base, 2×base, 4×base … after the 1st, 2nd, 3rd failure; capped."""
        base = self.setting("RETRY_SECONDS")
        return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0),
                                     self.setting("RETRY_MAX_SECONDS")))

    def _to(self, target: str) -> list[str]:
        """The statuses a conditional UPDATE to `target` may start from (the machine's)."""
        return self.machine.sources(target)


@dataclass(frozen=True)
class Periodic:
    name: str
    fn: Callable[[], Any]
    every_seconds: float | None  # None: every sweep (OPENIVAN_SWEEP_SECONDS, --sweep-seconds)


QUEUES: dict[str, Queue] = {}
PERIODIC: dict[str, Periodic] = {}


def register_queue(name: str, handler: Handler, *, model: type[models.Model], machine: Machine,
                   states: States, settings_prefix: str,
                   due: Callable[[datetime], Q] | None = None,
                   done_fields: Callable[[Any], dict[str, Any]] | None = None,
                   log: Log | None = None,
                   retryable: Callable[[Exception], bool] | None = None,
                   away: Callable[[Exception], bool] | None = None) -> Queue:
    """A named queue of rows of `model`, each run by `handler` (see the module's text). Its
    abandoned rows are recovered by a sweep registered with it (`recover:<name>`)."""
    for state in states:
        if state not in machine.states:
            raise ValueError(f"queue {name}: {state!r} is not a state of {machine.name_en}")
    queue = Queue(name, handler, model, machine, states, settings_prefix,
                  due or (lambda now: Q()), done_fields or (lambda row: {}), log,
                  retryable or (lambda exc: True), away or (lambda exc: False))
    QUEUES[name] = queue
    register_periodic(f"recover:{name}", lambda: recover_abandoned(name))
    return queue


def register_periodic(name: str, fn: Callable[[], Any], every_seconds: float | None = None) -> None:
    """A sweep: `fn()` every `every_seconds` (None: every OPENIVAN_SWEEP_SECONDS) in each
    worker, and once when it starts. Sweeps run concurrently in several workers: each must be
    safe to repeat (lock the rows it changes, re-read their status)."""
    PERIODIC[name] = Periodic(name, fn, every_seconds)


# ---------------------------------------------------------------- one queue


class Turn(NamedTuple):
    """What one turn on a queue did: rows tried, and whether the last found its server away."""

    tried: int
    away: bool


def take_turn(name: str, limit: int = 100,
              stopping: Callable[[], bool] = lambda: False) -> Turn:
    """Run due rows one at a time until none is due, `limit` were tried, `stopping()`, or a
    row found the queue's server away (the next rows would only wait for the same timeout).
    Any number of workers may run this at once."""
    queue, tried = QUEUES[name], 0
    while tried < limit and not stopping():
        row = _claim(queue)
        if row is None:
            break
        tried += 1
        if _attempt(queue, row)[1]:
            return Turn(tried, away=True)
    return Turn(tried, away=False)


def run_due(name: str, limit: int = 100, stopping: Callable[[], bool] = lambda: False) -> int:
    """`take_turn`, counting the rows tried."""
    return take_turn(name, limit, stopping).tried


def run_one(name: str, pk: Any) -> str:
    """Run one row if it is due: done, retry, failed, or skipped (not due, done already, or
    held by another worker)."""
    queue = QUEUES[name]
    row = _claim(queue, pk)
    return "skipped" if row is None else _attempt(queue, row)[0]


def _claim(queue: Queue, pk: Any = None) -> Any:
    now = timezone.now()
    s = queue.states
    with transaction.atomic():
        due = queue.model._default_manager.select_for_update(skip_locked=True).filter(
            queue.due(now), status=s.pending, next_attempt_at__lte=now)
        if pk is not None:
            due = due.filter(pk=pk)
        row = due.order_by("next_attempt_at", "pk").first()
        if row is None:
            return None
        queue.machine.check(s.pending, s.running)
        claimed = queue.model._default_manager.filter(
            pk=row.pk, status=s.pending).update(  # SQLite has no row locks: the UPDATE decides
            status=s.running, lease_until=now + timedelta(seconds=queue.setting("LEASE_SECONDS")),
            attempts=F("attempts") + 1)
    if not claimed:
        return None
    row.refresh_from_db()
    return row


def _attempt(queue: Queue, row: Any) -> tuple[str, bool]:
    """Run one claimed row: its outcome, and whether its error says the server is away."""
    try:
        afterwards = queue.handler(row)
    except Exception as exc:
        return _failed(queue, row, exc), queue.away(exc)
    _done(queue, row)  # first: what the handler did is recorded, whatever happens next
    if afterwards is not None:
        try:
            afterwards()
        except Exception:
            log.debug("%s: clean-up after row %s failed", queue.name, row.pk, exc_info=True)
    return "done", False


def _done(queue: Queue, row: Any) -> None:
    s = queue.states
    fields = queue.done_fields(row)  # before the transaction: it stays two short statements
    now = timezone.now()
    with transaction.atomic():
        queue.model._default_manager.filter(pk=row.pk, status__in=queue._to(s.done)).update(
            status=s.done, lease_until=None, **fields)
        if queue.log:
            queue.log(row, "done", "", now)


def _failed(queue: Queue, row: Any, exc: Exception) -> str:
    s = queue.states
    now = timezone.now()
    detail = f"{type(exc).__name__}: {exc}"[:500]
    final = row.attempts >= queue.setting("MAX_ATTEMPTS") or not queue.retryable(exc)
    target = s.failed if final else s.pending
    queue.machine.check(s.running, target)
    log.warning("%s: row %s attempt %s failed: %s", queue.name, row.pk, row.attempts, detail)
    with transaction.atomic():
        queue.model._default_manager.filter(pk=row.pk, status__in=queue._to(target)).update(
            status=target, next_attempt_at=now + queue.backoff(row.attempts), lease_until=None)
        if queue.log:
            queue.log(row, "failed" if final else "retry", detail, now)
    return "failed" if final else "retry"


def recover_abandoned(name: str, now: datetime | None = None) -> int:
    """Sweep: rows whose worker died while running them go back to pending, due at once.
    Their fate is unknown (the handler may have finished its work before the worker died): the
    app's `log` records them as lost. A worker that was stopped never leaves such a row."""
    queue = QUEUES[name]
    s = queue.states
    now = now or timezone.now()
    queue.machine.check(s.running, s.pending)
    with transaction.atomic():
        lost = list(queue.model._default_manager.select_for_update(skip_locked=True).filter(
            status=s.running, lease_until__lt=now))
        for row in lost:
            if queue.log:
                queue.log(row, "lost", "", now)
        queue.model._default_manager.filter(pk__in=[r.pk for r in lost]).update(
            status=s.pending, next_attempt_at=now, lease_until=None)
    return len(lost)


# ---------------------------------------------------------------- sweeps


def run_periodic(names: list[str] | None = None) -> dict[str, Any]:
    """Run the registered sweeps now (all, or those named), in their registration order;
    returns what each returned (a count, usually)."""
    return {p.name: p.fn() for p in PERIODIC.values() if names is None or p.name in names}


# ---------------------------------------------------------------- the worker


# A queue whose server is away rests at most this long: a server that is back is used again
# within 5 minutes, and while it stays away, it costs the other queues one timeout per rest.
REST_MAX_SECONDS = 300


class Worker:
    """One process, one thread: between two rows it beats for the monitor, runs the sweeps
    that are due, then the queues' due rows; idle, it waits `poll_seconds`. `stopping()`
    (set by SIGTERM or SIGINT) ends it after the row in hand. A database outage is logged,
    once, and waited out. A queue whose server is away rests (the module's text)."""

    def __init__(self, *, poll_seconds: float, sweep_seconds: float,
                 beat: Callable[[], None], beat_seconds: float,
                 stopping: Callable[[], bool], sleep: Callable[[float], Any],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.poll_seconds, self.sweep_seconds = poll_seconds, sweep_seconds
        self.beat, self.beat_seconds = beat, beat_seconds
        self.stopping, self.sleep, self.clock = stopping, sleep, clock
        self.last_run: dict[str, float] = {}  # monotonic time each step last ran
        self.down: set[str] = set()  # the steps that found the database away, last time
        # queue → (monotonic time its rest ends, turns in a row that found its server away)
        self.resting: dict[str, tuple[float, int]] = {}

    def run(self) -> None:
        while not self.stopping():
            found = self.step()
            close_old_connections()
            if not found and not self.stopping():
                self.sleep(self.poll_seconds)

    def run_until_idle(self) -> None:
        """Once: every sweep, then every queue until none has a due row or all that have one
        rest (their server away: each was tried once, its other rows left due) — for tests,
        cron."""
        self._guarded("beat", self.beat)
        for periodic in list(PERIODIC.values()):
            self._guarded(periodic.name, periodic.fn)
        while True:  # every queue each pass: a retry due at once may follow another's row
            found = [self._turn(name, limit=100) for name in list(QUEUES)
                     if not self._rests(name)]
            if not any(found):
                return

    def step(self) -> int:
        """Beat and sweep if due, then each queue's due rows (a beat between each batch)."""
        self._every("beat", self.beat_seconds, self.beat)
        for periodic in list(PERIODIC.values()):
            if self.stopping():
                return 0
            every = (self.sweep_seconds if periodic.every_seconds is None
                     else periodic.every_seconds)
            self._every(periodic.name, every, periodic.fn)
        found = 0
        for name in list(QUEUES):
            if self.stopping():
                break
            self._every("beat", self.beat_seconds, self.beat)
            if not self._rests(name):
                found += self._turn(name, limit=10)
        return found

    def _turn(self, name: str, limit: int) -> int:
        """One turn on a queue: the rows it tried. One that found the server away starts or
        lengthens the queue's rest; one that did not ends it."""
        turn = self._guarded(name, lambda: take_turn(name, limit, self.stopping))
        if not turn:
            return 0
        if turn.away:
            until, times = self.resting.get(name, (0.0, 0))
            # Away again soon after its last rest: rest longer. Long after: a new outage.
            times = times + 1 if self.clock() - until < REST_MAX_SECONDS else 1
            seconds = min(QUEUES[name].backoff(times).total_seconds(), REST_MAX_SECONDS)
            log.warning("%s: its server is away; the queue rests %g s", name, seconds)
            self.resting[name] = (self.clock() + seconds, times)
        elif turn.tried:
            self.resting.pop(name, None)
        return int(turn.tried)

    def _rests(self, name: str) -> bool:
        resting = self.resting.get(name)
        return resting is not None and self.clock() < resting[0]

    def _every(self, key: str, seconds: float, fn: Callable[[], Any]) -> None:
        last = self.last_run.get(key)
        if last is not None and self.clock() - last < seconds:
            return
        self.last_run[key] = self.clock()
        self._guarded(key, fn)

    def _guarded(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run one step; a database outage or a bug in it does not end the worker."""
        try:
            result = fn()
        except DATABASE_DOWN as exc:
            if name not in self.down:  # one line when it goes, one when it is back
                log.error("%s: the database is unavailable (%s); trying every %s s", name,
                          exc, self.poll_seconds)
            self.down.add(name)
            connections.close_all()
            return _FAILED
        except Exception:
            log.exception("%s failed", name)
            return _FAILED
        if name in self.down:
            log.warning("%s: the database is back", name)
            self.down.discard(name)
        return result


class _Failed:
    def __bool__(self) -> bool:
        return False


_FAILED: Any = _Failed()
