"""The least CPU the intake's work can take here, outside any framework, beside bare verification.

    .venv/bin/python benchmarks/bench_intake_floor.py [--dossiers 300] [--rounds 3]
                                                      [--http-seconds 4]

bench_intake.py asks the intake for at least 1/10 of bare verification's rate on the same
cores (issue 24: the 1/4 of issue 3 is retired, this floor was measured at 4.5-4.8). This
measures the work that no way of writing the intake can leave out, each step with the intake's
own functions (no copy of them here) but without Django's request handling or ORM writes:
- verify the envelope: `Verifier.verify_envelope` (the baseline, as in bench_intake.py);
- the intake's first step, `intake.verify_and_read`: the same verification, the typed envelope
  and declaration, the rules (the registry's unit code is one ORM read);
- the dossier with its verification record and revocation evidence (`intake.new_dossier`);
- the technical and reception answers, signed with the agency's key (`intake.new_answers`);
- the activation code and the reception email (`activation.new_activation_email`, then
  `notify.compose`, what queuing it computes);
- the intake's SQL: the statements one real intake sends (captured: the provider's lookup, the
  rate limit, the number, the inserts), sent again on the bare psycopg connection in one
  pipelined transaction that is rolled back (the client's CPU is that of a commit);
- the answer's JSON (the API's `dossier_out`);
- the web server's own CPU per request: the production app server (gunicorn's gthread worker,
  one process) around an app that only reads the body and answers 201 with as many bytes as
  the intake answers, loaded by the intake benchmark's client with the same envelopes.
Each step alone in a hot loop; then all of them per dossier in sequence, a different envelope
each time, as a request runs them. The sequence plus the web server is the floor. Beside it,
the whole intake through Django's WSGI handler. This machine's speed moves within seconds, so
the measurements take turns 20 calls at a time, every figure is also given in verifications of
its own round, and the verdict takes the median round.

The floor is left in var/bench/intake_floor.json with the run's OPENIVAN_BENCH_RUN (set by
`make bench`), so that bench_intake.py of the same run prints the intake's ratio to it.

Verdict: PASS if the floor fits in the target's 10 verifications per dossier. FAIL means that
no implementation of this intake in Python on this machine reaches 1/10 of bare verification.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
TARGET_VERIFICATIONS = 10.0  # bench_intake.py: throughput >= 1/10 of bare verification
WARM_UP = 50
TURN = 20  # calls of one measurement before the next takes its turn
NUMBER = "BHXH-20260101-000001"  # the number a dossier of the steps carries (none is drawn)
# Where the floor is left for bench_intake.py to read (`make bench` runs this one first).
FLOOR_FILE = ROOT / "var" / "bench" / "intake_floor.json"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=300,
                        help="calls per step and round (rounded up to turns of 20)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--http-seconds", type=float, default=4.0)
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "ANSWER_BYTES"),
                        help=argparse.SUPPRESS)  # the web server's part, in its own process
    args = parser.parse_args()
    if args.serve:
        return serve_trivial_app(int(args.serve[0]), int(args.serve[1]))
    if "DATABASE_URL" not in os.environ:  # run again inside a throwaway PostgreSQL
        return subprocess.call([sys.executable, str(ROOT / "tools/with_postgres.py"), "--",
                                sys.executable, *sys.argv])
    sys.path.insert(0, str(ROOT / "tools"))
    from bench_intake import pin_postgres, placement
    from profile_intake import agency_in_process

    server_cores, other_cores = placement(True)
    pin_postgres(other_cores)
    os.sched_setaffinity(0, server_cores)
    with agency_in_process() as pki:
        rounds, answer_bytes, body = measure_in_process(pki, args.dossiers, args.rounds)
        web_server = web_server_cpu(body, answer_bytes, args.http_seconds, server_cores,
                                    other_cores)
    return report(rounds, web_server, server_cores != other_cores)


# ---------------------------------------------------------------- in this process


def per_call(actions: dict[str, Callable[[], object]], turns: int) -> dict[str, float]:
    """Process CPU milliseconds per call of each action, the actions taking `turns` turns of
    TURN calls: this machine's speed drifts within seconds, and each figure is read against
    the verification's of the same turns."""
    spent = dict.fromkeys(actions, 0.0)
    for _ in range(turns):
        for name, action in actions.items():
            started = time.process_time()
            for _ in range(TURN):
                action()
            spent[name] += time.process_time() - started
    return {name: seconds / (turns * TURN) * 1000 for name, seconds in spent.items()}


def measure_in_process(pki, dossiers: int,  # type: ignore[no-untyped-def]
                       rounds: int) -> tuple[list[dict[str, float]], int, bytes]:
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from bench_intake import make_envelopes
    from django.core.management import call_command
    from profile_intake import Client

    from openivan.agency import services

    call_command("migrate", verbosity=0)
    turns = -(-dossiers // TURN)
    needed = WARM_UP + 1 + rounds * turns * TURN  # the whole intake's, each a new dossier
    print(f"signing {needed} distinct envelopes …", flush=True)
    envelopes = make_envelopes(pki, needed)
    _, key = services.register_provider("00040", "I-VAN MỞ", "0100109106")
    client = Client(key)
    for envelope in envelopes[:WARM_UP]:  # caches: revocation answers, CRLs stored, templates
        client.post(envelope)
    statements = intake_statements(key, envelopes[WARM_UP])
    posted = iter(envelopes[WARM_UP + 1:])
    steps = Steps(services.authenticate(key), statements, envelopes[WARM_UP + 1:])
    results = []
    for number in range(rounds):
        print(f"round {number + 1} of {rounds} …", flush=True)
        results.append(steps.measure(turns, lambda: client.post(next(posted))))
    return results, len(steps.respond(steps.dossier, steps.answers)), envelopes[0]


def intake_statements(key: str, body: bytes) -> list[tuple[str, Any]]:
    """The SQL one intake sends (authentication and rate limit included), from a real intake
    run in a transaction that is then rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from openivan.agency import services
    from openivan.agency.services import intake

    sent: list[tuple[str, Any]] = []

    def keep(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        sent.append((sql, params))
        return execute(sql, params, many, context)

    class Undo(Exception):
        pass

    with contextlib.suppress(Undo), transaction.atomic(), connection.execute_wrapper(keep):
        provider = services.authenticate(key)
        services.check_rate(provider)
        assert services.receive(provider, body).created
        raise Undo
    intake._next_number(timezone.now())  # the number the statements carry: no later dossier's
    return [(sql, params) for sql, params in sent if not sql.startswith(("SAVEPOINT", "RELEASE"))]


class Steps:
    """The intake's work, step by step: the intake's own functions (agency.services.intake,
    .activation, the API's answer), with no request and no ORM write."""

    LABELS: ClassVar[dict[str, str]] = {
        "verify": "verify the envelope (baseline)",
        "read": "verify, read, the rules (its first step)",
        "dossier": "the dossier, its record and evidence",
        "sign": "sign the two answers",
        "email": "activation code, reception email",
        "store": "the intake's SQL, pipelined",
        "respond": "the answer's JSON",
    }

    def __init__(self, provider: Any, statements: list[tuple[str, Any]],
                 envelopes: list[bytes]) -> None:
        from django.utils import timezone

        from openivan.agency import trust

        self.provider, self.statements, self.envelopes = provider, statements, envelopes
        self.verifier = trust.verifier()  # the one intake.verify_and_read uses
        self.now = timezone.localtime().replace(microsecond=0)
        self.cursor = 0
        self.read_one = self.read(envelopes[0])
        self.dossier = self.new_dossier(envelopes[0], self.read_one)
        self.answers = self.sign(self.dossier)

    def next_envelope(self) -> bytes:
        self.cursor = (self.cursor + 1) % len(self.envelopes)
        return self.envelopes[self.cursor]

    def verify(self, body: bytes) -> Any:
        return self.verifier.verify_envelope(body)

    def read(self, body: bytes) -> Any:
        from openivan.agency.services import intake

        return intake.verify_and_read(self.provider, body)

    def new_dossier(self, body: bytes, read: Any) -> Any:
        from openivan.agency.services import intake

        digest = hashlib.sha256(body).hexdigest()
        return intake.new_dossier(self.provider, NUMBER, self.now, body, digest, digest, *read)

    def sign(self, dossier: Any) -> Any:
        from openivan.agency.services import intake

        return intake.new_answers(dossier, self.now)

    def email(self, dossier: Any) -> None:
        from openivan.agency.services import activation
        from openivan.notify.services import compose

        _, template, context = activation.new_activation_email(dossier, self.now)
        compose(template, context)  # what queue_email does before its insert

    def store(self) -> None:
        from django.db import connection

        connection.ensure_connection()  # kept by Django between requests (CONN_MAX_AGE)
        raw = connection.connection
        with raw.pipeline(), raw.transaction(force_rollback=True), raw.cursor() as cursor:
            for sql, params in self.statements:
                cursor.execute(sql, params)

    def respond(self, dossier: Any, answers: Any) -> bytes:
        from openivan.agency.api import dossier_out

        return json.dumps(dossier_out(dossier, answers)).encode()

    def one_dossier(self) -> None:
        """Every step for one envelope, in a request's order."""
        body = self.next_envelope()
        read = self.read(body)
        dossier = self.new_dossier(body, read)
        answers = self.sign(dossier)
        self.email(dossier)
        self.store()
        self.respond(dossier, answers)

    def measure(self, turns: int, whole_intake: Callable[[], object]) -> dict[str, float]:
        """Each step alone, all of them in sequence, and the whole intake (`whole_intake`
        posts one new envelope through Django)."""
        alone: dict[str, Callable[[], object]] = {
            "verify": lambda: self.verify(self.next_envelope()),
            "read": lambda: self.read(self.next_envelope()),
            "dossier": lambda: self.new_dossier(self.envelopes[0], self.read_one),
            "sign": lambda: self.sign(self.dossier),
            "email": lambda: self.email(self.dossier),
            "store": self.store,
            "respond": lambda: self.respond(self.dossier, self.answers),
        }
        timed = per_call({**alone, "sequence": self.one_dossier, "whole": whole_intake}, turns)
        figures = {self.LABELS[name]: timed[name] for name in alone}
        # The baseline is inside the intake's first step: not counted twice.
        figures["sum of the steps alone"] = sum(timed[name] for name in alone
                                                if name != "verify")
        figures["all the steps in sequence"] = timed["sequence"]
        figures["whole intake (Django)"] = timed["whole"]
        return figures


# ---------------------------------------------------------------- the web server's part


def serve_trivial_app(port: int, answer_bytes: int) -> int:
    from openivan.platform.webserver import WebServer, WebServerOptions

    answer = b"{" + b" " * (answer_bytes - 2) + b"}"

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("201 Created", [("Content-Type", "application/json"),
                                       ("Content-Length", str(len(answer)))])
        return [answer]

    class TrivialApp(WebServer):
        def load(self) -> Any:
            return app

    TrivialApp(WebServerOptions(bind=f"127.0.0.1:{port}", workers=1,
                                threads=8, log_level="warning")).run()
    return 0


def web_server_cpu(body: bytes, answer_bytes: int, seconds: float, server_cores: set[int],
                   other_cores: set[int]) -> float:
    """Server CPU milliseconds per request of the production web server around an app that
    does nothing, the load generator on other cores where there are."""
    from bench_intake import (
        _free_port,
        closed_loop,
        cpu_by_process,
        cpu_used_since,
        process_groups,
        requests_for,
    )

    port = _free_port()
    server = subprocess.Popen(  # pinned before it starts: every process it forks inherits it
        [sys.executable, __file__, "--serve", str(port), str(answer_bytes)],
        preexec_fn=lambda: os.sched_setaffinity(0, server_cores))
    os.sched_setaffinity(0, other_cores)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(server, port)
        enough = requests_for(url, "key.secret", [body]) * int(20_000 * seconds + 20_000)
        asyncio.run(closed_loop(url, enough, 8, 1))  # warm-up
        before = {group: cpu_by_process(members)
                  for group, members in process_groups(server).items()}
        done, _, refused = asyncio.run(closed_loop(url, enough, 8, seconds))
        used = cpu_used_since(before, server)["web (gunicorn)"]
    finally:
        server.terminate()
        server.wait(20)
    if refused or not done:
        raise SystemExit(f"the trivial app answered {set(refused)}")
    return used / done * 1000


def _wait_for(server: subprocess.Popen[bytes], port: int) -> None:
    import socket

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise SystemExit("the web server did not start (its errors are above)")


# ---------------------------------------------------------------- report


def report(rounds: list[dict[str, float]], web_server: float, pinned: bool) -> int:
    baseline = Steps.LABELS["verify"]
    for figures in rounds:
        figures["web server per request (measured once)"] = web_server
        figures["floor: the steps in sequence + web server"] = (
            figures["all the steps in sequence"] + web_server)
    order = [*Steps.LABELS.values(), "sum of the steps alone", "all the steps in sequence",
             "web server per request (measured once)",
             "floor: the steps in sequence + web server", "whole intake (Django)"]
    print("CPU per dossier, ms (in verifications of the same round)"
          + ("" if pinned else "; one core: the load generator shared it"))
    for label in order:
        cells = "  ".join(f"{f[label]:6.2f} ({f[label] / f[baseline]:4.2f})" for f in rounds)
        print(f"  {label:44s} {cells}")
    floors = [f["floor: the steps in sequence + web server"] / f[baseline] for f in rounds]
    floor = statistics.median(floors)
    FLOOR_FILE.parent.mkdir(parents=True, exist_ok=True)
    FLOOR_FILE.write_text(json.dumps({"run": os.environ.get("OPENIVAN_BENCH_RUN", ""),
                                      "verifications_per_dossier": floor}))
    passed = floor <= TARGET_VERIFICATIONS
    print(f"floor: {floor:.2f} verifications per dossier (median of {len(rounds)} rounds), "
          f"i.e. at best 1/{floor:.1f} of bare verification; the target allows "
          f"{TARGET_VERIFICATIONS:.0f} -> {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
