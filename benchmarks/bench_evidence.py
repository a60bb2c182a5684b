"""The intake while a CA's OCSP responder is down, beside the same intake with it answering.

    .venv/bin/python benchmarks/bench_evidence.py [--revoked 100000] [--dossiers 200]

When OCSP does not answer, the CA's CRL proves every signer instead. A national CA's CRL lists
every certificate it ever revoked: `--revoked` entries (100 000 make a 3.5 MB CRL). The test
PKI serves such a CRL for the demo CA; the intake runs in one process through Django's WSGI
handler against a throwaway PostgreSQL (tools/with_postgres.py), as tools/profile_intake.py
does, first with OCSP answering (the baseline), then with it down. Per dossier, for both:
- web CPU (the process clock) and the PostgreSQL backend's CPU;
- wall time of a request;
- bytes the database grew by (`pg_database_size`, so every table and its TOAST counts).
The outage's figures come with their ratio to the baseline's. Target: during the outage, web
CPU and database growth per dossier within 1.5 times the baseline's — an outage costs the
intake little, and the CRL is stored once, not once per dossier.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MS = 1000
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class PerDossier:
    web_cpu: float
    database_cpu: float
    wall: float
    stored_bytes: float


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--revoked", type=int, default=100_000,
                        help="entries in the CA's CRL (default 100 000: 3.5 MB)")
    parser.add_argument("--dossiers", type=int, default=200)
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        return subprocess.call([sys.executable, str(ROOT / "tools/with_postgres.py"), "--",
                                sys.executable, *sys.argv])
    sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tools")]
    from profile_intake import agency_in_process

    with agency_in_process() as pki:
        started = time.perf_counter()
        pki.crl_override["interm"] = pki.crl_listing("interm", args.revoked)
        print(f"CA's CRL: {args.revoked} entries, {len(pki.crl_override['interm'])} bytes "
              f"(made in {time.perf_counter() - started:.0f} s)")
        return _run(pki, args.dossiers)


def _run(pki, count: int) -> int:  # type: ignore[no-untyped-def]
    import django

    django.setup()
    from bench_intake import cpu_seconds, make_envelopes
    from django.core.management import call_command
    from django.db import connection
    from profile_intake import Client

    from openivan.agency import services, trust

    call_command("migrate", verbosity=0)
    envelopes = iter(make_envelopes(pki, 2 * count + 40))
    _, key = services.register_provider("00040", "I-VAN MỞ", "0100109106")
    client = Client(key)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()

    def database() -> tuple[float, int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            (size,) = cursor.fetchone()
        return cpu_seconds({"PostgreSQL": [backend]})["PostgreSQL"], size

    def measured(send: Callable[[], None]) -> PerDossier:
        for _ in range(20):  # warm: the CRL fetched and checked, the OCSP answers cached
            send()
        cpu, size = database()
        wall, web = time.perf_counter(), time.process_time()
        for _ in range(count):
            send()
        web, wall = time.process_time() - web, time.perf_counter() - wall
        cpu_after, size_after = database()
        return PerDossier(web / count, (cpu_after - cpu) / count, wall / count,
                          (size_after - size) / count)

    def send() -> None:
        client.post(next(envelopes))

    answering = measured(send)
    pki.ocsp_up = False
    trust.reset()  # a verifier started during the outage: no OCSP answer cached
    down = measured(send)
    assert "crl" in {entry["source"] for slot in _last_dossier().verification.values()
                     for entry in slot["revocation"][:1]}, "the outage was not one"

    print(f"{'per dossier':28s} {'OCSP answering':>15s} {'OCSP down':>12s} {'ratio':>7s}")
    for label, unit, scale, attribute in (
            ("web CPU", "ms", MS, "web_cpu"), ("PostgreSQL CPU", "ms", MS, "database_cpu"),
            ("wall time of a request", "ms", MS, "wall"),
            ("database growth", "KB", 1 / 1024, "stored_bytes")):
        base, outage = getattr(answering, attribute), getattr(down, attribute)
        print(f"{label + ' (' + unit + ')':28s} {base * scale:15.2f} {outage * scale:12.2f} "
              f"{outage / base:7.2f}")
    met = all(getattr(down, name) <= TARGET_RATIO * getattr(answering, name)
              for name in ("web_cpu", "stored_bytes"))
    print(f"target: web CPU and database growth within {TARGET_RATIO}× while OCSP is down: "
          f"{'PASS' if met else 'FAIL'}")
    return 0 if met else 1


def _last_dossier():  # type: ignore[no-untyped-def]
    from openivan.agency.models import Dossier

    return Dossier.objects.order_by("-id").first()


if __name__ == "__main__":
    raise SystemExit(main())
