"""Where the intake's CPU goes: the figures behind the hot-path choices in conf/rows.py,
notify/services.py and agency/services/intake.py.

    .venv/bin/python tools/profile_intake.py [--dossiers 300] [--stats FILE]

Runs in one process against a throwaway PostgreSQL (no HTTP server, no load generator):
requests go through Django's WSGI handler. Prints, per dossier:
- the web CPU and the PostgreSQL backend's CPU, beside one verification in a hot loop;
- the floor of the stack: an authenticated API call that does nothing else (middleware,
  ninja, provider authentication and rate limit, a JSON 422);
- the CPU of each step of the intake, timed with the process clock around the step (a step
  includes the steps it calls) — unlike cProfile, this does not inflate Python-heavy code;
- how long the intake's transaction is open (wall).
`--stats FILE` also writes a cProfile of the same requests (for pstats or snakeviz).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STEPS = {  # module, attribute → what the report calls it
    ("openivan.agency.services.providers", "authenticate"): "provider authentication",
    ("openivan.core.verification", "Verifier.verify_envelope"): "verification",
    ("openivan.agency.services.intake", "_declaration"): "typed model of the declaration",
    ("openivan.agency.services.intake", "_next_number"): "dossier number",
    ("openivan.agency.services.intake", "_create_dossier"): "storing the dossier (all below)",
    ("openivan.agency.services.answers", "signed"): "  signing the two answers",
    ("openivan.platform.rows", "insert"): "  inserts (5 statements)",
    ("openivan.agency.services.activation", "start"): "  activation and email",
    ("openivan.notify.services", "queue_email"): "    of which the email",
    ("openivan.agency.api", "dossier_out"): "response body",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=300)
    parser.add_argument("--stats", metavar="FILE",
                        help="also write a cProfile of the requests there")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        return subprocess.call([sys.executable, str(ROOT / "tools/with_postgres.py"), "--",
                                sys.executable, *sys.argv])
    sys.path.insert(0, str(ROOT / "benchmarks"))
    with agency_in_process() as pki:
        return _profile(pki, args.dossiers, args.stats)


@contextmanager
def agency_in_process() -> Iterator[Any]:
    """The agency's settings in this process's environment (DATABASE_URL already set), the
    test PKI served, its trust store and the agency's key written; yields the DevPKI."""
    tmp = tempfile.mkdtemp()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="openivan.conf.settings", SECRET_KEY="in-process", DEBUG="0",
        OPENIVAN_HOME=tmp, OPENIVAN_ROLES="agency", OPENIVAN_AGENCY_P12=f"{tmp}/agency.p12",
        OPENIVAN_AGENCY_P12_PASSWORD="p", OPENIVAN_TRUST_STORE=f"{tmp}/trust",
        OPENIVAN_RATE_LIMIT_PER_MINUTE="100000000", LOG_LEVEL="WARNING")
    from openivan.devpki import DevPKI

    pki = DevPKI.create(tmp)
    with pki.serve():
        pki.write_trust_store(Path(tmp) / "trust")
        (Path(tmp) / "agency.p12").write_bytes(pki.pkcs12("agency", "p"))
        yield pki


class Client:
    """Requests through Django's WSGI handler, as gunicorn would hand them over."""

    def __init__(self, key: str) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.app, self.key = WSGIHandler(), key

    def call(self, method: str, path: str, body: bytes = b"") -> str:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SERVER_NAME": "127.0.0.1",
                   "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
                   "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                   "CONTENT_TYPE": "application/xml", "HTTP_AUTHORIZATION": f"Bearer {self.key}",
                   "wsgi.url_scheme": "http", "SCRIPT_NAME": "", "QUERY_STRING": "",
                   "wsgi.errors": sys.stderr}
        status: list[str] = []
        b"".join(self.app(environ, lambda s, h, *a: status.append(s)))
        return status[0]

    def post(self, body: bytes) -> None:
        status = self.call("POST", "/api/v1/dossiers", body)
        assert status.startswith("201"), status


@contextmanager
def step_clocks(totals: dict[str, float]) -> Iterator[None]:
    """Time each step in STEPS with the process clock, wherever it is called from (every
    module that imported the function by name gets the timed one)."""
    undo: list[Callable[[], None]] = []
    for (module_name, attribute), label in STEPS.items():
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        timed = _timed(original, label, totals)
        undo += _replace(owner, name, original, timed)
    try:
        yield
    finally:
        for restore in undo:
            restore()


def _timed(function: Callable[..., Any], label: str,
           totals: dict[str, float]) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.process_time() - started
    return timed


def _replace(owner: Any, name: str, original: Any, timed: Any) -> list[Callable[[], None]]:
    holders = [owner] + [module for module_name, module in list(sys.modules.items())
                         if module_name.startswith("openivan") and module is not owner
                         and vars(module).get(name) is original]
    for holder in holders:
        setattr(holder, name, timed)
    return [lambda holder=holder: setattr(holder, name, original) for holder in holders]


def _per_request(action: Callable[[], None], count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        action()
    return (time.process_time() - started) / count


def _profile(pki, count: int, stats_file: str | None) -> int:  # type: ignore[no-untyped-def]
    import logging

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the floor's 422s
    from bench_intake import cpu_seconds, make_envelopes
    from django.core.management import call_command
    from django.db import connection, transaction

    from openivan.agency import services, trust
    from openivan.agency.services import intake

    call_command("migrate", verbosity=0)
    envelopes = iter(make_envelopes(pki, (4 if stats_file else 3) * count + 150))
    _, key = services.register_provider("00040", "I-VAN MỞ", "0100109106")
    client = Client(key)
    for _ in range(50):
        client.post(next(envelopes))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()

    def backend_cpu() -> float:
        return cpu_seconds({"PostgreSQL": [backend]})["PostgreSQL"]

    pg = backend_cpu()
    web = _per_request(lambda: client.post(next(envelopes)), count)
    pg = (backend_cpu() - pg) / count
    floor = _per_request(  # refused by ninja's validation after authentication: 422
        lambda: client.call("GET", "/api/v1/dossiers/NONE/answers/none.xml"), count)
    verifier = trust.verifier()
    verify = _per_request(lambda: verifier.verify_envelope(next(envelopes)), 100)

    steps: dict[str, float] = {}
    with step_clocks(steps):
        timed_web = _per_request(lambda: client.post(next(envelopes)), count)

    held = 0.0
    create = intake._create_dossier

    def timed_create(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal held
        started = time.perf_counter()
        with transaction.atomic():  # the intake's own block becomes a savepoint inside it
            made = create(*args, **kwargs)
        held += time.perf_counter() - started
        return made

    intake._create_dossier = timed_create
    for _ in range(count):
        client.post(next(envelopes))
    intake._create_dossier = create

    if stats_file:
        profile = cProfile.Profile(time.process_time)
        profile.runcall(lambda: [client.post(next(envelopes)) for _ in range(count)])
        profile.dump_stats(stats_file)

    ms = 1000
    print(f"web CPU per dossier:           {web * ms:6.2f} ms")
    print(f"PostgreSQL CPU per dossier:    {pg * ms:6.2f} ms")
    print(f"one verification (hot loop):   {verify * ms:6.2f} ms  "
          f"(web = {web / verify:.1f} verifications; the 1/4 target allows 4)")
    print(f"floor: an authenticated 422:   {floor * ms:6.2f} ms")
    print(f"intake transaction open:       {held / count * ms:6.2f} ms wall per dossier")
    print(f"CPU of each step per dossier (process clock; this pass {timed_web * ms:.2f} ms "
          "per dossier in all):")
    for label in STEPS.values():
        if label in steps:
            print(f"  {label:34s} {steps[label] / count * ms:6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
