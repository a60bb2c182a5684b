"""The records of insured persons: CSV import rows/s on PostgreSQL, and lookups on a big table.

    .venv/bin/python benchmarks/bench_records.py [--rows 200000] [--fill 0]

What runs: a throwaway PostgreSQL (tools/with_postgres.py; started here when DATABASE_URL is
unset). A CSV of `--rows` synthetic people (a CCCD each, a CMND beside it for one in three) is
imported with `portal.services.records.import_file` (the command's path), then imported again
unchanged (every row compared, none written) and again with every name changed (every row
updated). Baseline, in the same run: reading the same file with `core.records.batches` alone
(the parsing the import cannot avoid); each import prints its ratio to it.

Then `--fill` more records are made by the database itself (generate_series, with their ID
numbers) and ANALYZEd, and the desk's lookups are timed (median of 200): by mã số BHXH, by ID
number, by the start of a name without accents; each query's plan must use an index (printed).
Target: lookups under 5 ms each at 10 million records (`--fill 10000000`, ~8 min here).
The last line is the verdict: PASS when every lookup's median is under 5 ms and every plan uses
an index (a table under SMALL_TABLE records, which PostgreSQL rightly scans whatever its
indexes, is EXPLAINed with sequential scans off: an index must still serve each query).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOKUP_MS = 5.0
SMALL_TABLE = 100_000
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Văn", "Thị", "Hữu", "Ngọc", "Minh", "Thanh", "Đức"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hương", "Lan", "Long", "Mai", "Nam", "Sơn"]


def write_csv(path: Path, rows: int, suffix: str = "") -> None:
    rng = random.Random(2659)
    with path.open("w", encoding="utf-8") as out:
        out.write("ma_so_bhxh,ho_ten,ngay_sinh,gioi_tinh,so_giay_to\n")
        for i in range(rows):
            woman = i % 2 == 1
            year = 1960 + i % 45
            cccd = f"001{1 if woman else 0}{year % 100:02d}{i % 1_000_000:06d}"
            ids = cccd + (f";{100_000_000 + i}" if i % 3 == 0 else "")
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}{suffix}"
            out.write(f"{2_000_000_000 + i},{name},{1 + i % 28:02d}/{1 + i % 12:02d}/{year},"
                      f"{'Nữ' if woman else 'Nam'},{ids}\n")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--fill", type=int, default=0,
                        help="records added by SQL before the lookups (e.g. 10000000)")
    args = parser.parse_args()
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

    from openivan.core.records import batches, open_csv
    from openivan.portal.services import records

    call_command("migrate", verbosity=0)
    csv, renamed = Path(home) / "records.csv", Path(home) / "renamed.csv"
    write_csv(csv, args.rows)
    write_csv(renamed, args.rows, suffix=" B")

    started = time.perf_counter()
    with open_csv(csv) as lines:
        read = sum(len(b.records) for b in batches(lines))
    baseline = read / (time.perf_counter() - started)
    print(f"baseline, parsing alone (core.records.batches): {baseline:,.0f} rows/s")
    for label, path in (("first import (all new)", csv), ("same file again (unchanged)", csv),
                        ("every name changed (all updated)", renamed)):
        started = time.perf_counter()
        imp = records.import_file(path, "bench")
        rate = imp.rows_read / (time.perf_counter() - started)
        print(f"{label}: {rate:,.0f} rows/s ({imp.rows_created} new, {imp.rows_updated} "
              f"updated; {rate / baseline:.2f}× the baseline)")
    if args.fill:
        fill(args.fill)
    good = lookups(args.rows + args.fill)
    print(f"lookups under {LOOKUP_MS:g} ms, each through an index: {'PASS' if good else 'FAIL'}")
    return 0 if good else 1


def fill(count: int) -> None:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO portal_insuredrecord (bhxh_number, full_name, name_key, birth_date,
                birth_year, sex, id_numbers, updated_at)
            SELECT lpad((3000000000 + i)::text, 10, '0'), 'Người Số ' || i, 'nguoi so ' || i,
                date '1960-01-01' + (i %% 16000), 1960 + (i %% 16000) / 365,
                CASE WHEN i %% 2 = 0 THEN 'Nam' ELSE 'Nu' END, lpad(i::text, 12, '9'), now()
            FROM generate_series(1, %s) AS i""", [count])
        cursor.execute("""
            INSERT INTO portal_recordidnumber (record_id, number)
            SELECT id, id_numbers FROM portal_insuredrecord
            WHERE bhxh_number >= '3000000000'""")
        cursor.execute("ANALYZE")
    print(f"filled {count:,} more records in {time.perf_counter() - started:.0f} s")


def lookups(total: int) -> bool:
    from django.db import connection

    from openivan.portal.services import records

    print(f"lookups with {total:,} records (median of 200):")
    cases = [
        ("by mã số BHXH", lambda i: records.find(str(2_000_000_000 + i * 7 % 1000))),
        ("by ID number", lambda i: records.by_id_number(f"001{i % 2}{(1960 + i % 45) % 100:02d}"
                                                        f"{i % 1_000_000:06d}")),
        ("by name start, no accents", lambda i: records.by_name("tran thi lan", limit=50)),
    ]
    good = True
    for label, call in cases:
        times = []
        for i in range(200):
            started = time.perf_counter()
            call(i)
            times.append(time.perf_counter() - started)
        median_ms = round(statistics.median(times) * 1000, 2)  # judged as printed
        good &= median_ms < LOOKUP_MS
        print(f"  {label}: {median_ms:.2f} ms")
    with connection.cursor() as cursor:
        if total < SMALL_TABLE:
            cursor.execute("SET enable_seqscan = off")
        for sql, param in (
                ("SELECT * FROM portal_insuredrecord WHERE bhxh_number = %s", "2000000001"),
                ("SELECT record_id FROM portal_recordidnumber WHERE number = %s LIMIT 20",
                 "001060000000"),
                ("SELECT * FROM portal_insuredrecord WHERE name_key LIKE %s "
                 "ORDER BY name_key, bhxh_number LIMIT 50", "tran thi lan%")):
            cursor.execute("EXPLAIN " + sql, [param])
            plan = " / ".join(row[0].strip() for row in cursor.fetchall()
                              if "Scan" in row[0])
            good &= "Index" in plan and "Seq Scan" not in plan
            print(f"  plan: {plan}")
    return good


if __name__ == "__main__":
    sys.exit(main())
