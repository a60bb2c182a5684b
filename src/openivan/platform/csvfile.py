"""Lists leaving the platform as CSV files that spreadsheets open as they are."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.http import StreamingHttpResponse

# A cell a spreadsheet would read as a formula (CSV injection): names come from declarations
# anyone can sign, so "=HYPERLINK(…)" must arrive as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_response(filename: str, header: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    """Streamed row by row (a list of years of dossiers is not held in memory), UTF-8 with a
    byte-order mark so that Excel reads Vietnamese right."""
    response = StreamingHttpResponse(_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    line = _Line()
    writer = csv.writer(line)
    yield "\ufeff" + writer.writerow([cell(h) for h in header])
    for row in rows:
        yield writer.writerow([cell(v) for v in row])


class _Line:
    """A file that hands back what is written to it (csv.writer then returns the line)."""

    def write(self, value: str) -> str:
        return value
