"""Import the agency's records of insured persons from CSV (dữ liệu quản lý):

    openivan manage import_records FILE.csv [--batch 5000]

Columns ma_so_bhxh, ho_ten, ngay_sinh, gioi_tinh, so_giay_to (or their Vietnamese headers),
UTF-8. Rows already there are updated (by mã số BHXH); bad rows are skipped and reported; the
import's report is also in the desk console (Dữ liệu quản lý). Progress on stderr."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openivan.core.errors import OpenIvanError
from openivan.platform.management.shell import actor, refusal
from openivan.portal.models import RecordImport
from openivan.portal.services import records


class Command(BaseCommand):
    help = "Import the records of insured persons from a CSV file (re-importing updates)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--batch", type=int, default=records.BATCH,
                            help="rows per transaction (default %(default)s)")
        parser.add_argument("--show", type=int, default=20,
                            help="refused rows printed (all are in the console's report)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        started = time.monotonic()

        def progress(imp: RecordImport) -> None:
            elapsed = time.monotonic() - started
            total = f"/{imp.rows_total}" if imp.rows_total else ""
            sys.stderr.write(f"\r{imp.rows_read}{total} rows, {imp.rows_read / elapsed:,.0f}/s ")
            sys.stderr.flush()

        try:
            imp = records.import_file(path, actor(), batch_size=max(options["batch"], 1),
                                      progress=progress if sys.stderr.isatty() else None)
        except OpenIvanError as exc:
            raise refusal(exc) from None
        elapsed = time.monotonic() - started
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        self.stdout.write(
            f"import {imp.pk}: {imp.rows_read} rows read, {imp.rows_imported} imported "
            f"({imp.rows_created} new, {imp.rows_updated} updated), {imp.rows_refused} refused "
            f"in {elapsed:.1f} s ({imp.rows_read / max(elapsed, 1e-6):,.0f} rows/s)")
        for p in imp.problems[:options["show"]]:
            self.stdout.write(f"  line {p['line']}, {p['column']}: {p['code']} — {p['message']}")
        if imp.rows_refused > options["show"]:
            self.stdout.write(f"  … {imp.rows_refused - options['show']} more refused rows")
