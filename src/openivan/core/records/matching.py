"""Does a declaration match the agency's record of the person? (đối chiếu dữ liệu quản lý)

The record is found by mã số BHXH; then each of họ tên, ngày sinh, giới tính and số giấy tờ is
compared and every difference reported with its code, so the notice 01/TB-GDĐT can name them all.

Names: equal after Unicode NFC, case folding and collapsing blanks. A name typed *without* tone
marks ("NGUYEN VAN AN") matches the record's "Nguyễn Văn An" (and a record kept without marks
matches a declaration with them); but two names that both carry marks must carry the same marks:
"Nguyễn Văn Ân" is not "Nguyễn Văn An".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import normalize_text, search_key
from openivan.core.records.csvfile import Record


class Declared(Protocol):
    """What matching reads of a declaration (core.xml.individual.IndividualRegistration)."""

    @property
    def bhxh_number(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def birth_date(self) -> object: ...
    @property
    def sex(self) -> str: ...
    @property
    def id_number(self) -> str: ...


@dataclass(frozen=True)
class Mismatch:
    code: str  # RECORD_NAME_MISMATCH, RECORD_BIRTH_DATE_MISMATCH, RECORD_SEX_MISMATCH, …
    field: str  # the declaration's element: HoTen, NgaySinh, GioiTinh, SoGiayTo, MaSoBHXH
    declared: str

    def error(self) -> OpenIvanError:
        return OpenIvanError(self.code, declared=self.declared, field=self.field)


@dataclass(frozen=True)
class MatchResult:
    record: Record | None
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return self.record is not None and not self.mismatches


def _plain(name: str) -> str:
    return " ".join(normalize_text(name).casefold().split())


def _has_marks(name: str) -> bool:
    return search_key(name) != _plain(name)


def names_match(declared: str, recorded: str) -> bool:
    if _plain(declared) == _plain(recorded):
        return True
    if not _has_marks(declared) or not _has_marks(recorded):
        return search_key(declared) == search_key(recorded)
    return False


def match_record(declared: Declared, record: Record) -> list[Mismatch]:
    """Every difference between the declaration and the record, in the form's order."""
    found: list[Mismatch] = []
    if not names_match(declared.full_name, record.full_name):
        found.append(Mismatch("RECORD_NAME_MISMATCH", "HoTen", declared.full_name))
    born = declared.birth_date
    born_text = born.strftime("%d/%m/%Y") if hasattr(born, "strftime") else str(born)
    if record.birth_date is not None:
        same_birth = born == record.birth_date
    else:  # the record keeps only the year
        same_birth = getattr(born, "year", None) == record.birth_year
    if not same_birth:
        found.append(Mismatch("RECORD_BIRTH_DATE_MISMATCH", "NgaySinh", born_text))
    if record.sex is not None and declared.sex != record.sex:
        found.append(Mismatch("RECORD_SEX_MISMATCH", "GioiTinh", declared.sex))
    declared_id = declared.id_number.replace(" ", "").upper()
    if record.id_numbers and declared_id not in record.id_numbers:
        found.append(Mismatch("RECORD_ID_MISMATCH", "SoGiayTo", declared.id_number))
    return found


def find_and_match(declared: Declared, lookup: Callable[[str], Record | None]) -> MatchResult:
    """Find the record by mã số BHXH with `lookup` (a dict's `get`, a database query) and
    compare; `RECORD_NOT_FOUND` as the one mismatch when there is none."""
    record = lookup(declared.bhxh_number)
    if record is None:
        return MatchResult(None, [Mismatch("RECORD_NOT_FOUND", "MaSoBHXH",
                                           declared.bhxh_number)])
    return MatchResult(record, match_record(declared, record))
