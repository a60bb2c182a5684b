"""What queuing the reception email costs the intake, beside the whole intake, in one run.

    .venv/bin/python benchmarks/bench_enqueue.py [--dossiers 200] [--rounds 3]

The background work is one mechanism (platform/jobs.py): the outbox row is the job, written in
the intake's transaction. The alternative it replaced, a task library (django-tasks-db) beside
the outbox, would enqueue one more row per email: a task row with the call's arguments as
JSON. Against a throwaway PostgreSQL (tools/with_postgres.py when DATABASE_URL is not set),
the same process measures, turn by turn (20 calls each, so that a change of the machine's
speed touches all alike):

- intake: a whole intake through Django's WSGI handler (verification, answers, activation,
  the email queued), one new dossier each call: the baseline;
- enqueue: `queue_email` with the reception email (render, seal, the outbox INSERT) inside an
  open transaction, as the intake calls it (turns of 20 in one transaction, rolled back: the
  intake's one commit is paid whatever it queues, and is in the baseline);
- outbox insert: that INSERT alone, the same way;
- + task row: one more INSERT of a task row (the columns and JSON arguments of
  django-tasks-db's DBTaskResult, into a table of that shape), the same way: what the removed
  design adds per email on top of the outbox row.

Each figure is printed in milliseconds per call, wall time and this process's CPU, and as a
share of the intake measured in the same round; the verdict takes the median round's CPU
(wall time on a shared machine measures the neighbours too). PASS when the job's own row
(the outbox INSERT) costs under 5 % of an intake's CPU.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TURN = 20
WARM_UP = 30
TARGET_SHARE = 0.05  # the job's own row: under 5 % of an intake

TASK_TABLE = """CREATE TABLE IF NOT EXISTS bench_task_result (
    id uuid PRIMARY KEY, status varchar(10) NOT NULL, enqueued_at timestamptz NOT NULL,
    started_at timestamptz, finished_at timestamptz, args_kwargs jsonb NOT NULL,
    priority integer NOT NULL, task_path text NOT NULL, queue_name varchar(32) NOT NULL,
    backend_name varchar(32) NOT NULL, run_after timestamptz, return_value jsonb,
    exception_class_path text NOT NULL, traceback text NOT NULL)"""
TASK_INSERT = """INSERT INTO bench_task_result (id, status, enqueued_at, args_kwargs, priority,
    task_path, queue_name, backend_name, exception_class_path, traceback)
    VALUES (%s, 'READY', now(), %s, 0, 'openivan.notify.tasks.deliver', 'default', 'default',
    '', '')"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=200,
                        help="calls per measurement and round (rounded up to turns of 20)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:  # run again inside a throwaway PostgreSQL
        return subprocess.call([sys.executable, str(ROOT / "tools/with_postgres.py"), "--",
                                sys.executable, *sys.argv])
    sys.path.insert(0, str(ROOT / "tools"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from profile_intake import agency_in_process

    with agency_in_process() as pki:
        rounds = measure(pki, args.dossiers, args.rounds)
    return report(rounds)


def measure(pki: Any, dossiers: int, rounds: int) -> list[dict[str, float]]:
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from bench_intake import make_envelopes
    from django.core.management import call_command
    from django.db import connection
    from profile_intake import Client

    from openivan.agency import services

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(TASK_TABLE)
    turns = -(-dossiers // TURN)
    envelopes = make_envelopes(pki, WARM_UP + rounds * turns * TURN)
    print(f"signed {len(envelopes)} distinct envelopes", flush=True)
    _, key = services.register_provider("00040", "I-VAN MỞ", "0100109106")
    client = Client(key)
    for envelope in envelopes[:WARM_UP]:
        client.post(envelope)
    posted = iter(envelopes[WARM_UP:])
    steps = Steps()
    measurements: dict[str, Callable[[], None]] = {
        "intake": lambda: client.post(next(posted)),
        "enqueue": steps.enqueue,
        "outbox insert": steps.outbox_insert,
        "+ task row": steps.task_row,
    }
    for action in measurements.values():  # templates, statements, caches
        if action is not measurements["intake"]:
            for _ in range(WARM_UP):
                action()
    results = []
    for number in range(rounds):
        print(f"round {number + 1} of {rounds} …", flush=True)
        spent = {name: [0.0, 0.0] for name in measurements}
        for _ in range(turns):
            for name, action in measurements.items():
                wall, cpu = turn(action, inside_a_transaction=name != "intake")
                spent[name][0] += wall
                spent[name][1] += cpu
        calls = turns * TURN
        results.append({**{name: wall / calls for name, (wall, _) in spent.items()},
                        **{f"{name} cpu": cpu / calls for name, (_, cpu) in spent.items()}})
    return results


def turn(action: Callable[[], None], inside_a_transaction: bool) -> tuple[float, float]:
    """Wall and CPU seconds (this process's) for TURN calls. Inside a transaction, as the
    intake makes them: one that is rolled back, so that no commit (a WAL flush the intake
    pays once, whatever it queues) is counted."""
    from django.db import transaction

    started, cpu = time.perf_counter(), time.process_time()
    if not inside_a_transaction:
        for _ in range(TURN):
            action()
    else:
        with transaction.atomic():
            for _ in range(TURN):
                action()
            transaction.set_rollback(True)
    return time.perf_counter() - started, time.process_time() - cpu


class Steps:
    """The enqueue's parts, each as the intake's transaction runs it (`turn` opens one)."""

    def __init__(self) -> None:
        from django.utils import timezone

        from openivan.agency.models import Dossier
        from openivan.agency.services.activation import new_activation, reception_email

        self.dossier = Dossier.objects.select_related("provider").first()
        assert self.dossier is not None
        activation, code = new_activation(self.dossier, timezone.now())
        self.template, self.context = reception_email(activation, code)
        self.expires_at = activation.expires_at
        self.count = 0

    def enqueue(self) -> None:
        from openivan.notify.services import queue_email

        queue_email(self.dossier.number, self.template, self.dossier.email, self.context,
                    valid_until=self.expires_at)

    def outbox_insert(self) -> None:
        import uuid

        from django.utils import timezone

        from openivan.notify.models import Notification
        from openivan.platform.rows import insert

        now = timezone.now()
        insert([Notification(
            reference=self.dossier.number, template=self.template,
            recipient=self.dossier.email, subject="Xác nhận", sealed_body=b"x" * 1200,
            next_attempt_at=now, created_at=now, message_id=f"<{uuid.uuid4().hex}@b>",
            valid_until=self.expires_at)])

    def task_row(self) -> None:
        import json
        import uuid

        from django.db import connection

        self.count += 1
        arguments = json.dumps({"args": [self.count], "kwargs": {}})
        with connection.cursor() as cursor:
            cursor.execute(TASK_INSERT, [uuid.uuid4(), arguments])


NAMES = ("enqueue", "outbox insert", "+ task row")


def report(rounds: list[dict[str, float]]) -> int:
    for clock, suffix in (("wall time", ""), ("this process's CPU", " cpu")):
        print(f"\n{clock}, ms per call (share of the intake of the same round)")
        print(f"{'round':>5}  {'intake':>8}" + "".join(f"  {name:>22}" for name in NAMES))
        for number, r in enumerate(rounds, 1):
            base = r["intake" + suffix]
            print(f"{number:>5}  {base * 1e3:>8.3f}" + "".join(
                f"  {r[name + suffix] * 1e3:>12.3f} ({r[name + suffix] / base:>6.1%})"
                for name in NAMES))
    # The verdict on CPU: wall time on a shared machine measures the neighbours too.
    def share(r: dict[str, float], name: str) -> float:
        return r[f"{name} cpu"] / r["intake cpu"]

    median = sorted(rounds, key=lambda r: share(r, "outbox insert"))[len(rounds) // 2]
    print()
    print(f"median round (CPU, intake {median['intake cpu'] * 1e3:.3f} ms): the job itself, the "
          f"outbox row, {median['outbox insert cpu'] * 1e3:.3f} ms "
          f"({share(median, 'outbox insert'):.1%}); the email's rendering and sealing with it "
          f"{median['enqueue cpu'] * 1e3:.3f} ms ({share(median, 'enqueue'):.1%}); a task row "
          f"beside the outbox row would add {median['+ task row cpu'] * 1e3:.3f} ms "
          f"({share(median, '+ task row'):.1%})")
    measured = share(median, "outbox insert")
    passed = measured < TARGET_SHARE
    print(f"verdict: the job's row takes {measured:.1%} of an intake's CPU, target under "
          f"{TARGET_SHARE:.0%} -> {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
