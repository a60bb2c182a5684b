"""Where the intake's CPU goes: the figures behind the hot-path choices in conf/rows.py,
notify/services.py and agency/services/intake.py.

    .venv/bin/python tools/profile_intake.py [--dossiers 300]

Runs in one process against a throwaway PostgreSQL (no HTTP server, no load generator):
dossiers are posted through Django's WSGI handler. Prints the web CPU and the PostgreSQL
backend's CPU per dossier beside one verification, how long the intake's transaction is
open (wall), and the share of the web CPU spent under each of the intake's steps
(cProfile on process time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = {  # function (file:name) → what the report calls it
    "providers.py:authenticate": "provider authentication",
    "verification.py:verify_envelope": "verification",
    "verification.py:model": "typed model of the envelope",
    "intake.py:_declaration": "typed model of the declaration",
    "intake.py:_next_number": "dossier number",
    "rows.py:insert": "inserts",
    "answers.py:signed": "signing the answers",
    "activation.py:start": "activation and email",
    "loader.py:render_to_string": "  of which email templates",
    "operation.py:_result_to_response": "response",
}


def _cpu_of(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=300)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        return subprocess.call([sys.executable, str(ROOT / "tools/with_postgres.py"), "--",
                                sys.executable, *sys.argv])
    sys.path.insert(0, str(ROOT / "benchmarks"))
    tmp = tempfile.mkdtemp()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="openivan.conf.settings", SECRET_KEY="profile", DEBUG="0",
        OPENIVAN_HOME=tmp, OPENIVAN_ROLES="agency", OPENIVAN_AGENCY_P12=f"{tmp}/agency.p12",
        OPENIVAN_AGENCY_P12_PASSWORD="p", OPENIVAN_TRUST_STORE=f"{tmp}/trust",
        OPENIVAN_RATE_LIMIT_PER_MINUTE="100000000", LOG_LEVEL="WARNING")
    from openivan.devpki import DevPKI

    pki = DevPKI.create(tmp)
    with pki.serve():
        pki.write_trust_store(Path(tmp) / "trust")
        (Path(tmp) / "agency.p12").write_bytes(pki.pkcs12("agency", "p"))
        return _profile(pki, args.dossiers)


def _profile(pki, count: int) -> int:  # type: ignore[no-untyped-def]
    import django

    django.setup()
    from bench_intake import make_envelopes
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection, transaction

    from openivan.agency import services, trust
    from openivan.agency.services import intake

    call_command("migrate", verbosity=0)
    envelopes = iter(make_envelopes(pki, 3 * count + 150))
    _, key = services.register_provider("00040", "I-VAN MỞ", "0100109106")
    app = WSGIHandler()

    def post(body: bytes) -> None:
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/dossiers",
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
                   "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                   "CONTENT_TYPE": "application/xml", "HTTP_AUTHORIZATION": f"Bearer {key}",
                   "wsgi.url_scheme": "http", "SCRIPT_NAME": "", "QUERY_STRING": "",
                   "wsgi.errors": sys.stderr}
        status: list[str] = []
        b"".join(app(environ, lambda s, h, *a: status.append(s)))
        assert status[0].startswith("201"), status

    for _ in range(50):
        post(next(envelopes))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()

    web, pg = time.process_time(), _cpu_of(backend)
    for _ in range(count):
        post(next(envelopes))
    web, pg = (time.process_time() - web) / count, (_cpu_of(backend) - pg) / count
    verifier, started = trust.verifier(), time.process_time()
    for _ in range(100):
        verifier.verify_envelope(next(envelopes))
    verify = (time.process_time() - started) / 100

    held = 0.0
    create = intake._create_dossier

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal held
        started = time.perf_counter()
        with transaction.atomic():  # the intake's own block becomes a savepoint inside it
            made = create(*args, **kwargs)
        held += time.perf_counter() - started
        return made

    intake._create_dossier = timed
    for _ in range(count):
        post(next(envelopes))
    intake._create_dossier = create

    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(count):
        post(next(envelopes))
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max(cum for (_, _, name), (_, _, _, cum, _) in stats.items()
                if name == "get_response")
    shares: dict[str, float] = {}
    for (path, _, name), (_, _, _, cumulative, _) in stats.items():
        label = STEPS.get(f"{Path(path).name}:{name}")
        if label:
            shares[label] = shares.get(label, 0.0) + cumulative / total

    print(f"web CPU per dossier:        {web * 1000:6.2f} ms")
    print(f"PostgreSQL CPU per dossier: {pg * 1000:6.2f} ms")
    print(f"one verification:           {verify * 1000:6.2f} ms  "
          f"(web + PostgreSQL = {(web + pg) / verify:.1f} verifications)")
    print(f"intake transaction open:    {held / count * 1000:6.2f} ms wall per dossier")
    print("share of the web CPU (cProfile, process time; a step's share includes the steps "
          "it calls):")
    for label in STEPS.values():
        if label in shares:
            print(f"  {label:32s} {shares[label] * 100:5.1f} %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
