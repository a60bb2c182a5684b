"""The officers' console on a full table: how long each page takes with years of dossiers.

    .venv/bin/python benchmarks/bench_console.py [--dossiers 500000] [--repeat 15]

What runs: a throwaway PostgreSQL (tools/with_postgres.py; started here when DATABASE_URL is
unset), filled with `--dossiers` dossiers received over three years (1 % waiting for an
officer, 1 % for their code, the rest decided) and one registration for every second of them,
then ANALYZE. Each console page is requested `--repeat` times through Django's WSGI handler
by a signed-in officer; the median is printed.

Baseline, measured in the same run: the page of one dossier (found by its unique number),
whose cost does not grow with the table. Each list page prints its ratio to it.
Target: the pages an officer opens all day — the queues, the registry, a unit, a search by
tax code — cost at most 5 times the baseline however many dossiers there are. A search by a
part of a name reads every name (no index serves "contains" on both databases); it is
printed, not held to the target; so is the time to download every dossier as CSV.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 5.0
BASELINE_NUMBER = "BHXH-000000004242"
# (label, path, held to the target)
PAGES = [
    ("queue: waiting for an officer", "/co-quan/ho-so/", True),
    ("queue: waiting for the code", "/co-quan/ho-so/?queue=waiting", True),
    ("queue: decided, page 1", "/co-quan/ho-so/?queue=done", True),
    ("queue: all, page 1", "/co-quan/ho-so/?queue=all", True),
    ("queue: all, page 200", "/co-quan/ho-so/?queue=all&page=200", True),
    ("search by tax code", "/co-quan/ho-so/?queue=all&q=0000004242", True),
    ("registry, page 1", "/co-quan/don-vi/", True),
    ("registry, stopped", "/co-quan/don-vi/?status=stopped", True),
    ("registry, all, page 100", "/co-quan/don-vi/?status=all&page=100", True),
    ("one unit", "/co-quan/don-vi/0000004242/", True),
    ("search by part of a name", "/co-quan/ho-so/?queue=all&q=so%204242", False),
    ("registry: part of a name", "/co-quan/don-vi/?status=all&q=so%204242", False),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dossiers", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    least = 2 * int(BASELINE_NUMBER.rpartition("-")[2])
    if args.dossiers <= least:  # the first half of the dossiers have a registration
        parser.error(f"--dossiers must exceed {least}: the pages read dossier "
                     f"{BASELINE_NUMBER} and its unit's registration")
    if "DATABASE_URL" not in os.environ:
        return subprocess.call([sys.executable, str(ROOT / "tools/with_postgres.py"), "--",
                                sys.executable, *sys.argv])
    home = tempfile.mkdtemp()
    os.environ.update(DJANGO_SETTINGS_MODULE="openivan.conf.settings", SECRET_KEY="bench",
                      DEBUG="0", OPENIVAN_HOME=home, OPENIVAN_ROLES="agency",
                      LOG_LEVEL="WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fill(args.dossiers)
    print(f"{args.dossiers} dossiers, {args.dossiers // 2} registrations "
          f"(filled and analysed in {time.perf_counter() - started:.0f} s)")
    return report(officer_client(), args.repeat)


def fill(count: int) -> None:
    """Rows as the intake and the decisions write them, made by the database itself."""
    from django.db import connection

    from openivan.agency import services

    provider, _ = services.register_provider("00040", "I-VAN MỞ", "0100109106")
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO agency_dossier (number, provider_id, message_id, content_sha256,
                form_code, unit_tax_code, unit_code, unit_name, unit_name_key, email,
                received_at, decision_deadline, status, signed_bytes, verification,
                revocation_evidence, review_reason, decided_at, decision_reason)
            SELECT 'BHXH-' || lpad(i::text, 12, '0'), %s, 'M' || i, md5(i::text) || md5('x' || i),
                '04/ĐK-IVAN', lpad((i %% (%s / 2))::text, 10, '0'), 'U' || i %% 100000,
                'CÔNG TY TNHH SỐ ' || i, 'cong ty tnhh so ' || i, 'donvi' || i || '@x.vn',
                received, received + interval '3 days',
                CASE i %% 100 WHEN 0 THEN 'needs_review' WHEN 1 THEN 'awaiting_activation'
                     WHEN 2 THEN 'expired' WHEN 3 THEN 'rejected' ELSE 'accepted' END,
                '\\x3c486f736f2f3e', '{}', '', '',
                CASE WHEN i %% 100 > 1 THEN received + interval '1 day' END, ''
            FROM generate_series(1, %s) AS i,
                 LATERAL (SELECT now() - (%s - i) * interval '3 years' / %s AS received) AS t
        """, [provider.pk, count, count, count, count])
        cursor.execute("""
            INSERT INTO agency_unitregistration (tax_code, unit_code, name, name_key, email,
                provider_id, status, since, until, dossier_id)
            SELECT d.unit_tax_code, d.unit_code, d.unit_name, d.unit_name_key, d.email,
                d.provider_id, CASE WHEN d.id %% 10 = 0 THEN 'stopped' ELSE 'active' END,
                d.received_at::date,
                CASE WHEN d.id %% 10 = 0 THEN d.received_at::date + 365 END, d.id
            FROM agency_dossier d WHERE d.id <= %s
        """, [count // 2])
        cursor.execute("UPDATE agency_dossier SET signed_bytes = %s WHERE number = %s",
                       [envelope(), BASELINE_NUMBER])  # the page reads the declaration
        cursor.execute("ANALYZE")


def envelope() -> bytes:
    from openivan.core.xml import codec
    from openivan.devpki import samples

    return codec.to_bytes(samples.envelope_for(samples.registration()))


def officer_client():  # type: ignore[no-untyped-def]
    """Signed in as an officer: the password, then the code of the officer's app."""
    from django.contrib.auth.models import Permission, User
    from django.test import Client

    from openivan.accounts.services import second_factor
    from openivan.core import totp

    user = User.objects.create_user("canbo01", password="Mat-khau-dai-2026")
    user.user_permissions.add(Permission.objects.get(codename="decide_dossier"))
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    secret, session = second_factor.enrollment(user).secret, client.session
    second_factor.confirm(user, totp.code_at(secret, totp.time_step(time.time())), session)
    session.save()
    return client


def median_ms(client, path: str, repeat: int) -> float:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 200, path  # warm caches, and it must work
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def report(client, repeat: int) -> int:  # type: ignore[no-untyped-def]
    baseline = median_ms(client, f"/co-quan/ho-so/{BASELINE_NUMBER}/", repeat)
    print(f"{'one dossier (baseline)':34s} {baseline:8.1f} ms")
    worst = 0.0
    for label, path, held in PAGES:
        ms = median_ms(client, path, repeat)
        ratio = ms / baseline
        if held:
            worst = max(worst, ratio)
        print(f"{label:34s} {ms:8.1f} ms  {ratio:5.1f} × baseline"
              + ("" if held else "  (not held to the target)"))
    started = time.perf_counter()
    response = client.get("/co-quan/ho-so/xuat.csv?queue=all")
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
    seconds = time.perf_counter() - started
    print(f"{'CSV of every dossier':34s} {seconds:8.1f} s   {lines / seconds:7.0f} rows/s "
          f"({lines} rows, streamed)")
    ok = worst <= TARGET_RATIO
    print(f"worst page: {worst:.1f} × baseline (target <= {TARGET_RATIO:.0f})")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
