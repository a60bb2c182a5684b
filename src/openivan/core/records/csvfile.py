"""The agency's records of insured persons as CSV, read as a stream (10 million rows fit no list).

Columns (header row; Vietnamese headers accepted, any order, extra columns ignored):

| column | Vietnamese header | value |
|---|---|---|
| `ma_so_bhxh` | Mã số BHXH | 10 digits |
| `ho_ten` | Họ tên | the name, NFC |
| `ngay_sinh` | Ngày sinh | dd/mm/yyyy, yyyy-mm-dd, or only the year `yyyy` (old records) |
| `gioi_tinh` | Giới tính | Nam / Nữ |
| `so_giay_to` | Số giấy tờ | CCCD, CMND or passport number; several separated by `;` |

A bad row is reported (`RowProblem`: line, column, code) and skipped; the rest is read. A file
without the needed columns is refused at once (`RECORDS_CSV_HEADER`). Duplicates inside a file
are left to the importer (re-importing updates: the later row wins).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import normalize_text, parse_bhxh_number, search_key

COLUMNS = ("ma_so_bhxh", "ho_ten", "ngay_sinh", "gioi_tinh", "so_giay_to")
_HEADER_ALIASES = {
    "ma so bhxh": "ma_so_bhxh", "ma_so_bhxh": "ma_so_bhxh", "ho ten": "ho_ten",
    "ho va ten": "ho_ten", "ho_ten": "ho_ten", "ngay sinh": "ngay_sinh",
    "ngay_sinh": "ngay_sinh", "gioi tinh": "gioi_tinh", "gioi_tinh": "gioi_tinh",
    "so giay to": "so_giay_to", "so_giay_to": "so_giay_to", "so cccd/cmnd": "so_giay_to",
}
_ID_RE = re.compile(r"^[A-Z0-9]{8,12}$")
MAX_NAME = 100
_SEXES = {"nam": "Nam", "nữ": "Nu", "nu": "Nu", "": None}


@dataclass(frozen=True)
class Record:
    """One insured person as the agency knows them."""

    bhxh_number: str
    full_name: str
    birth_date: date | None  # None when the record holds only the year
    birth_year: int
    sex: str | None  # "Nam" / "Nu"
    id_numbers: tuple[str, ...]


@dataclass(frozen=True)
class RowProblem:
    """A row not read: its line in the file, the column at fault and a code."""

    line: int
    column: str
    code: str
    value: str = ""

    @property
    def message(self) -> str:
        inner = OpenIvanError(self.code, field=self.column, value=self.value)
        return OpenIvanError("RECORDS_CSV_ROW", line=self.line,
                             reason=f"{self.column}: {inner.message_vi}").message_vi


@dataclass
class Batch:
    records: list[Record] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def open_csv(path: str | Path) -> IO[str]:
    """A CSV file opened for streaming: UTF-8 with or without a byte-order mark."""
    return open(path, encoding="utf-8-sig", newline="")  # the caller closes it


def read_records(lines: Iterable[str]) -> Iterator[Record | RowProblem]:
    """Each row as a `Record`, or a `RowProblem` saying why it was skipped."""
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise OpenIvanError("RECORDS_CSV_HEADER", missing=", ".join(COLUMNS)) from None
    names = [_HEADER_ALIASES.get(search_key(h.lstrip("\ufeff")), "") for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise OpenIvanError("RECORDS_CSV_HEADER", missing=", ".join(missing))
    where = {c: names.index(c) for c in COLUMNS}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            yield RowProblem(line, "*", "RECORDS_CSV_ROW", f"{len(row)} columns")
            continue
        yield _record(line, {c: row[i] for c, i in where.items()})


def _record(line: int, cells: dict[str, str]) -> Record | RowProblem:
    raw = {k: normalize_text(v) for k, v in cells.items()}
    try:
        number = parse_bhxh_number(raw["ma_so_bhxh"])
    except OpenIvanError as exc:
        return RowProblem(line, "ma_so_bhxh", exc.code, raw["ma_so_bhxh"])
    name = " ".join(raw["ho_ten"].split())
    if not name:
        return RowProblem(line, "ho_ten", "FIELD_REQUIRED")
    if len(name) > MAX_NAME:
        return RowProblem(line, "ho_ten", "FIELD_TOO_LONG", name[:20])
    born = _birth(raw["ngay_sinh"])
    if born is None:
        return RowProblem(line, "ngay_sinh", "FIELD_DATE", raw["ngay_sinh"])
    sex: str | None = _SEXES.get(raw["gioi_tinh"].casefold(), "?")
    if sex == "?":
        return RowProblem(line, "gioi_tinh", "FIELD_CHOICE", raw["gioi_tinh"])
    ids = tuple(i.replace(" ", "").upper() for i in raw["so_giay_to"].split(";") if i.strip())
    bad = [i for i in ids if not _ID_RE.match(i)]
    if bad:
        return RowProblem(line, "so_giay_to", "XML_FIELD_INVALID", bad[0])
    return Record(number, name, born[0], born[1], sex, ids)


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _birth(text: str) -> tuple[date | None, int] | None:
    # By hand rather than strptime: strptime was half the time of reading a row.
    if len(text) == 4 and text.isdigit():
        year = int(text)
        return (None, year) if 1900 <= year <= 2100 else None
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = _YMD.match(text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    return born, born.year


def batches(lines: Iterable[str], size: int = 5000) -> Iterator[Batch]:
    """`read_records` in batches of at most `size` records, each with the problems met."""
    batch = Batch()
    for item in read_records(lines):
        if isinstance(item, RowProblem):
            batch.problems.append(item)
        else:
            batch.records.append(item)
            if len(batch.records) >= size:
                yield batch
                batch = Batch()
    if batch.records or batch.problems:
        yield batch
