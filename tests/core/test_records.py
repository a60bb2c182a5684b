"""Records of insured persons: a streamed CSV with bad rows reported, and the match of a
declaration (mã số BHXH, họ tên with and without marks and case, ngày sinh, giới tính, số giấy
tờ) with a code per difference."""

from __future__ import annotations

import io
import itertools
from datetime import date

import pytest

from openivan.core.errors import OpenIvanError
from openivan.core.records import (
    Record,
    RowProblem,
    batches,
    find_and_match,
    names_match,
    open_csv,
    read_records,
)
from tests.core.test_individual_declaration import sample

CSV = """\ufeffMã số BHXH,Họ tên,Ngày sinh,Giới tính,Số giấy tờ,Ghi chú
0123456789,Nguyễn Văn An,17/05/1990,Nam,001090000001;012345678,
0123456780,Trần Thị Bình,1985,Nữ,012345679,chỉ có năm sinh
01234,Lê Văn Cường,01/01/1980,Nam,001080000001,
0123456781,Phạm Thị Dung,31/02/1980,Nữ,001180000001,

0123456782,Hoàng Văn Em,1980-03-04,Khác,001080000002,
0123456783,Đặng Thị Gấm,04/03/1980,Nữ,001180000003,
"""


def records_of(text: str) -> list[Record | RowProblem]:
    return list(read_records(io.StringIO(text)))


def test_rows_are_read_and_bad_ones_reported_with_their_line_and_column():
    items = records_of(CSV)
    records = [r for r in items if isinstance(r, Record)]
    problems = [p for p in items if isinstance(p, RowProblem)]
    assert [r.bhxh_number for r in records] == ["0123456789", "0123456780", "0123456783"]
    assert records[0].id_numbers == ("001090000001", "012345678")
    assert (records[1].birth_date, records[1].birth_year, records[1].sex) == (None, 1985, "Nu")
    assert [(p.line, p.column, p.code) for p in problems] == [
        (4, "ma_so_bhxh", "BHXH_NUMBER_FORMAT"), (5, "ngay_sinh", "FIELD_DATE"),
        (7, "gioi_tinh", "FIELD_CHOICE")]
    assert "Dòng 4" in problems[0].message


def test_a_file_without_the_needed_columns_is_refused_naming_them():
    with pytest.raises(OpenIvanError) as caught:
        records_of("ma_so_bhxh,ho_ten\n0123456789,An\n")
    assert caught.value.code == "RECORDS_CSV_HEADER"
    assert caught.value.details["missing"] == "ngay_sinh, gioi_tinh, so_giay_to"


def test_a_short_row_is_reported_and_the_next_rows_read():
    items = records_of("ma_so_bhxh,ho_ten,ngay_sinh,gioi_tinh,so_giay_to\n0123456789,An\n"
                       "0123456780,Bình,1985,Nữ,012345679\n")
    assert isinstance(items[0], RowProblem) and items[0].line == 2
    assert isinstance(items[1], Record)


def test_a_large_file_is_read_as_a_stream_in_batches(tmp_path):
    path = tmp_path / "records.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        out.write("ma_so_bhxh,ho_ten,ngay_sinh,gioi_tinh,so_giay_to\n")
        for n in range(25_000):
            out.write(f"{n:010d},Nguyễn Văn {n},01/01/1980,Nam,{n:012d}\n")
        out.write("bad,row,x,y,z\n")
    with open_csv(path) as stream:
        got = list(batches(stream, size=10_000))
    assert [len(b.records) for b in got] == [10_000, 10_000, 5_000]
    assert [p.line for b in got for p in b.problems] == [25_002]


def test_reading_does_not_hold_the_file_in_memory():
    def endless():
        yield "ma_so_bhxh,ho_ten,ngay_sinh,gioi_tinh,so_giay_to\n"
        for n in itertools.count():
            yield f"{n:010d},An,1980,Nam,{n:012d}\n"

    first = list(itertools.islice(read_records(endless()), 3))
    assert [r.bhxh_number for r in first if isinstance(r, Record)] == [
        "0000000000", "0000000001", "0000000002"]


# ---------------------------------------------------------------- matching

@pytest.mark.parametrize("declared, recorded", [
    ("Nguyễn Văn An", "Nguyễn Văn An"),
    ("NGUYỄN VĂN AN", "Nguyễn Văn An"),
    ("nguyen van an", "Nguyễn Văn An"),
    ("Nguyen  Van   An", "NGUYỄN VĂN AN"),
    ("Dang Thi Gam", "Đặng Thị Gấm"),
    ("Đặng Thị Gấm", "DANG THI GAM"),  # a record kept without marks
])
def test_names_match_with_and_without_marks_and_case(declared, recorded):
    assert names_match(declared, recorded)


@pytest.mark.parametrize("declared, recorded", [
    ("Nguyễn Văn Ân", "Nguyễn Văn An"),  # both with marks: the marks count
    ("Nguyen Van Anh", "Nguyễn Văn An"),
    ("Văn An", "Nguyễn Văn An"),
])
def test_different_names_do_not_match(declared, recorded):
    assert not names_match(declared, recorded)


def lookup_from(text: str):
    index = {r.bhxh_number: r for r in records_of(text) if isinstance(r, Record)}
    return index.get


def test_a_declaration_matching_the_record_matches():
    result = find_and_match(sample(full_name="NGUYEN VAN AN"), lookup_from(CSV))
    assert result.matches and result.mismatches == []


def test_every_difference_is_reported_with_its_code():
    declared = sample(full_name="Nguyễn Văn Ân", birth_date=date(1990, 5, 18), sex="Nu",
                      id_number="001090000009")
    result = find_and_match(declared, lookup_from(CSV))
    assert [(m.code, m.field) for m in result.mismatches] == [
        ("RECORD_NAME_MISMATCH", "HoTen"), ("RECORD_BIRTH_DATE_MISMATCH", "NgaySinh"),
        ("RECORD_SEX_MISMATCH", "GioiTinh"), ("RECORD_ID_MISMATCH", "SoGiayTo")]
    assert not result.matches
    error = result.mismatches[1].error()
    assert "18/05/1990" in error.message_vi


def test_the_old_cmnd_kept_in_the_record_matches_too():
    declared = sample(id_type="CMND", id_number="012345678")
    assert find_and_match(declared, lookup_from(CSV)).matches


def test_a_record_with_only_the_year_of_birth_compares_the_year():
    base = dict(bhxh_number="0123456780", full_name="Tran Thi Binh", sex="Nu",
                id_type="CMND", id_number="012345679", id_issued_on=date(2005, 1, 1))
    assert find_and_match(sample(**base, birth_date=date(1985, 7, 1)), lookup_from(CSV)).matches
    result = find_and_match(sample(**base, birth_date=date(1986, 7, 1)), lookup_from(CSV))
    assert [m.code for m in result.mismatches] == ["RECORD_BIRTH_DATE_MISMATCH"]


def test_an_unknown_bhxh_number_is_reported_as_not_found():
    result = find_and_match(sample(bhxh_number="9999999999"), lookup_from(CSV))
    assert result.record is None
    assert [(m.code, m.declared) for m in result.mismatches] == [
        ("RECORD_NOT_FOUND", "9999999999")]

