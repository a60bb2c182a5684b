"""The agency's records of insured persons: CSV imports (bad rows reported, the rest taken;
importing again updates), uploads run by the worker with their report, lookups by index."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from openivan.platform.models import AuditEvent
from openivan.portal.models import InsuredRecord, RecordIdNumber, RecordImport
from openivan.portal.services import records
from tests.conftest import run_worker
from tests.portal.desk_helpers import AN, HEADER, desk_officer, signed_in

pytestmark = pytest.mark.django_db(transaction=True)

BAD_DATE = "0123456790,Lê Thị Cúc,31/02/1988,Nữ,001188000002\n"
BINH = "0198765432,Trần Thị Bình,12/08/1985,Nữ,012345678\n"


def test_a_bad_row_is_reported_and_the_rest_imported(tmp_path):
    csv = tmp_path / "records.csv"
    csv.write_text(HEADER + AN + BAD_DATE + BINH, encoding="utf-8")
    imp = records.import_file(csv, "cli:test")
    assert (imp.status, imp.rows_read, imp.rows_imported, imp.rows_refused) == (
        "done", 3, 2, 1)
    assert imp.problems == [{"line": 3, "column": "ngay_sinh", "code": "FIELD_DATE",
                             "message": imp.problems[0]["message"]}]
    assert "Dòng 3" in imp.problems[0]["message"] or "3" in imp.problems[0]["message"]
    assert set(InsuredRecord.objects.values_list("bhxh_number", flat=True)) == {
        "0123456789", "0198765432"}
    an = InsuredRecord.objects.get(bhxh_number="0123456789")
    assert (an.name_key, an.birth_date, an.sex) == ("nguyen van an", date(1990, 5, 17), "Nam")
    assert set(an.ids.values_list("number", flat=True)) == {"001090000001", "012345678"}
    event = AuditEvent.objects.get(action="portal.records.imported")
    assert event.details["rows_refused"] == 1 and event.actor == "cli:test"


def test_importing_again_updates_changed_rows_and_leaves_the_rest(tmp_path):
    first = tmp_path / "a.csv"
    first.write_text(HEADER + AN + BINH, encoding="utf-8")
    records.import_file(first, "cli:test")
    moved = "0123456789,Nguyễn Văn An,17/05/1990,Nam,001090000001\n"  # the old CMND dropped
    renamed = "0198765432,Trần Thị Bích,12/08/1985,Nữ,012345678\n"
    again = tmp_path / "b.csv"
    again.write_text(HEADER + moved + renamed + "0100000003,Phạm Văn Cường,1970,Nam,\n",
                     encoding="utf-8")
    imp = records.import_file(again, "cli:test")
    assert (imp.rows_created, imp.rows_updated, imp.rows_refused) == (1, 2, 0)
    assert InsuredRecord.objects.count() == 3
    assert InsuredRecord.objects.get(bhxh_number="0198765432").name_key == "tran thi bich"
    assert list(RecordIdNumber.objects.filter(record__bhxh_number="0123456789")
                .values_list("number", flat=True)) == ["001090000001"]
    cuong = InsuredRecord.objects.get(bhxh_number="0100000003")
    assert (cuong.birth_date, cuong.birth_year) == (None, 1970)
    same = records.import_file(again, "cli:test")  # nothing changed: nothing written
    assert (same.rows_imported, same.rows_created, same.rows_updated) == (3, 0, 0)


def test_the_later_of_two_rows_of_one_number_wins(tmp_path):
    csv = tmp_path / "dup.csv"
    csv.write_text(HEADER + AN + AN.replace("Nguyễn Văn An", "Nguyễn Văn Ân"), encoding="utf-8")
    records.import_file(csv, "cli:test")
    assert InsuredRecord.objects.get().full_name == "Nguyễn Văn Ân"


def test_a_file_without_the_columns_is_refused_and_writes_nothing(tmp_path):
    csv = tmp_path / "wrong.csv"
    csv.write_text("ma_so_bhxh,ho_ten\n0123456789,An\n", encoding="utf-8")
    with pytest.raises(Exception, match="RECORDS_CSV_HEADER"):
        call_command("import_records", str(csv))
    assert not InsuredRecord.objects.exists()
    assert RecordImport.objects.get().status == "failed"
    assert RecordImport.objects.get().error.startswith("RECORDS_CSV_HEADER")


def test_the_command_prints_its_figures(tmp_path, capsys):
    csv = tmp_path / "records.csv"
    csv.write_text(HEADER + AN + BAD_DATE, encoding="utf-8")
    call_command("import_records", str(csv))
    out = capsys.readouterr().out
    assert "2 rows read, 1 imported (1 new, 0 updated), 1 refused" in out
    assert "line 3, ngay_sinh: FIELD_DATE" in out


def test_an_upload_is_imported_by_the_worker_and_its_report_lists_the_refused_row():
    officer = signed_in(desk_officer("nhaplieu", "import_records"))
    upload = SimpleUploadedFile("ds.csv", (HEADER + AN + BAD_DATE).encode(), "text/csv")
    response = officer.post("/co-quan/du-lieu-quan-ly/", {"file": upload})
    imp = RecordImport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{imp.pk}/")
    waiting = officer.get(response["Location"]).content.decode()
    assert "Đang chờ" in waiting or "Chờ" in waiting
    assert "data-reload-every" in waiting  # the page follows the import
    assert not InsuredRecord.objects.exists()
    run_worker()
    report = officer.get(response["Location"]).content.decode()
    assert "data-reload-every" not in report and "100%" in report
    assert "ngay_sinh" in report and "FIELD_DATE" in report
    imp.refresh_from_db()
    assert (imp.status, imp.rows_imported, imp.rows_refused, imp.data) == ("done", 1, 1, None)
    assert imp.by == "user:nhaplieu"
    assert AuditEvent.objects.filter(action="portal.records.uploaded",
                                     actor="user:nhaplieu").exists()


def test_an_upload_that_is_not_utf8_is_refused_at_once():
    officer = signed_in(desk_officer("nhaplieu", "import_records"))
    upload = SimpleUploadedFile("ds.csv", (HEADER + AN).encode("cp1258", "replace")
                                + "Lê Thị Cúc".encode("utf-16"), "text/csv")
    response = officer.post("/co-quan/du-lieu-quan-ly/", {"file": upload})
    assert response.status_code == 422
    assert "RECORDS_FILE_ENCODING" in response.content.decode()
    assert not RecordImport.objects.exists()


def test_importing_needs_its_permission():
    desk_only = signed_in(desk_officer("tiepnhan"))
    assert desk_only.get("/co-quan/du-lieu-quan-ly/").status_code == 302
    assert Client().get("/co-quan/du-lieu-quan-ly/").status_code == 302


def test_lookups_by_id_number_and_by_name_without_accents(tmp_path):
    csv = tmp_path / "r.csv"
    csv.write_text(HEADER + AN + BINH, encoding="utf-8")
    records.import_file(csv, "cli:test")
    assert [r.bhxh_number for r in records.by_id_number("012345678")] == [
        "0123456789", "0198765432"]
    assert [r.full_name for r in records.by_name("TRAN THI")] == ["Trần Thị Bình"]
    assert records.lookup("0123456789").id_numbers == ("001090000001", "012345678")
