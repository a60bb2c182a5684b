"""The reception desk: the queue per reception point (oldest first, deadline, overdue rows),
search by reference code, ID number and name with or without accents, a declaration beside
the agency's record with every difference shown, accept only with the ID copy kept, reject with
reasons, paper-only entry with its 3-working-day deadline, the day-7 reminder and the day-10
cancellation, the permission, the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from openivan.core.calendar import VIETNAM_TZ
from openivan.core.reference import display
from openivan.notify.models import Notification
from openivan.platform.models import AuditEvent
from openivan.portal.models import Declaration, DeclarationStatus, Filing
from openivan.portal.services import desk, records
from tests.portal.desk_helpers import (
    AN,
    HEADER,
    awaiting,
    declared,
    desk_officer,
    paper_form,
    point,
    signed_in,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer() -> Client:
    return signed_in(desk_officer())


@pytest.fixture
def an_on_record(tmp_path) -> None:
    csv = tmp_path / "records.csv"
    csv.write_text(HEADER + AN, encoding="utf-8")
    records.import_file(csv, "cli:test")


def test_the_queue_is_per_reception_point_oldest_first_with_overdue_rows_marked(officer):
    now = timezone.now()
    other = point("79001", "BHXH Quận 1")
    late = awaiting(declared(bhxh_number="0100000001", full_name="Lê Văn Muộn"),
                    confirmed_at=now - timedelta(days=11))
    newer = awaiting(declared(bhxh_number="0100000002", full_name="Lê Văn Mới"),
                     confirmed_at=now - timedelta(days=1))
    elsewhere = awaiting(declared(bhxh_number="0100000003", full_name="Lê Văn Xa"),
                         confirmed_at=now - timedelta(days=2), at=other)
    html = officer.get("/co-quan/tiep-nhan/").content.decode()
    assert html.index("Lê Văn Muộn") < html.index("Lê Văn Xa") < html.index("Lê Văn Mới")
    late_row = html[html.rindex("<tr", 0, html.index(display(late.reference))):]
    assert late_row.startswith('<tr class="overdue">') and "quá hạn" in late_row[:800]
    new_row = html[html.rindex("<tr", 0, html.index(display(newer.reference))):]
    assert new_row.startswith('<tr class="">')
    assert [(c.code, c.waiting, c.overdue) for c in desk.counts()] == [
        ("01001", 2, 1), ("79001", 1, 0)]
    only = officer.get("/co-quan/tiep-nhan/?diem=79001").content.decode()
    assert display(elsewhere.reference) in only and display(late.reference) not in only


def test_a_reference_code_typed_loosely_or_scanned_opens_the_declaration(officer):
    found = awaiting()
    scanned = display(found.reference)  # the QR code on the printed form holds the code
    for typed in (scanned, scanned.lower().replace("-", " "), found.reference):
        response = officer.get("/co-quan/tiep-nhan/", {"q": typed})
        assert response.status_code == 302, typed
        assert response["Location"] == f"/co-quan/tiep-nhan/{found.reference}/"


def test_a_mistyped_reference_code_is_caught_by_its_check_character(officer):
    found = awaiting()
    code = found.reference
    swapped = code[1] + code[0] + code[2:] if code[0] != code[1] else code[:8] + code[9] + code[8]
    html = officer.get("/co-quan/tiep-nhan/", {"q": swapped}).content.decode()
    assert "REFERENCE_CHECK" in html


def test_search_by_id_number_and_by_name_without_accents(officer, an_on_record):
    found = awaiting()
    by_id = officer.get("/co-quan/tiep-nhan/", {"q": "001090000001"}).content.decode()
    assert display(found.reference) in by_id
    by_name = officer.get("/co-quan/tiep-nhan/", {"q": "NGUYEN VAN AN"}).content.decode()
    assert display(found.reference) in by_name
    assert "0123456789" in by_name.split("Trong dữ liệu quản lý")[1]  # the record too
    by_cmnd = officer.get("/co-quan/tiep-nhan/", {"q": "012345678"}).content.decode()
    assert "Nguyễn Văn An" in by_cmnd  # the record found by its old CMND
    searches = AuditEvent.objects.filter(action="portal.desk.searched", actor="user:tiepnhan01")
    assert {e.details["query"] for e in searches} == {"001090000001", "NGUYEN VAN AN",
                                                      "012345678"}


def test_the_declaration_is_shown_beside_the_record_with_every_difference(officer, an_on_record):
    found = awaiting(declared(full_name="Nguyễn Văn Ân", sex="Nam",
                              birth_date=datetime(1990, 5, 18).date()))
    html = officer.get(f"/co-quan/tiep-nhan/{found.reference}/").content.decode()
    assert "2 điểm khác với dữ liệu quản lý" in html
    rows = {line.field: line for line in desk.compare(found).lines}
    assert rows["HoTen"].mismatch == "RECORD_NAME_MISMATCH"
    assert rows["NgaySinh"].mismatch == "RECORD_BIRTH_DATE_MISMATCH"
    assert not rows["SoGiayTo"].mismatch and not rows["GioiTinh"].mismatch
    assert html.count('class="overdue differs"') == 2
    assert AuditEvent.objects.filter(action="portal.desk.viewed",
                                     target=f"declaration:{found.reference}").exists()


def test_a_declaration_without_a_record_says_so(officer):
    found = awaiting()
    html = officer.get(f"/co-quan/tiep-nhan/{found.reference}/").content.decode()
    assert "RECORD_NOT_FOUND" in html


def test_accepting_needs_the_id_copy_box(officer, an_on_record):
    found = awaiting()
    response = officer.post(f"/co-quan/tiep-nhan/{found.reference}/quyet-dinh/",
                            {"decision": "accept"})
    assert response.status_code == 422
    assert "DESK_ID_COPY_REQUIRED" in response.content.decode()
    found.refresh_from_db()
    assert (found.status, found.id_copy_kept) == (DeclarationStatus.AWAITING_DESK, False)
    assert not AuditEvent.objects.filter(action="portal.desk.accepted").exists()


def test_the_desk_accepts_with_the_id_copy_kept(officer, an_on_record, portal):
    found = awaiting()
    response = officer.post(f"/co-quan/tiep-nhan/{found.reference}/quyet-dinh/",
                            {"decision": "accept", "id_copy_kept": "1"})
    assert response.status_code == 302
    found.refresh_from_db()
    assert (found.status, found.id_copy_kept) == (DeclarationStatus.ACCEPTED, True)
    assert found.decided_by == User.objects.get(username="tiepnhan01")
    assert found.account is not None and found.account.username == "0123456789"
    event = AuditEvent.objects.get(action="portal.desk.accepted")
    assert event.actor == "user:tiepnhan01" and event.details["id_copy_kept"] is True
    again = officer.post(f"/co-quan/tiep-nhan/{found.reference}/quyet-dinh/",
                         {"decision": "accept", "id_copy_kept": "1"})
    assert again.status_code == 422 and "DESK_NOT_DECIDABLE" in again.content.decode()


def test_the_desk_rejects_with_the_differences_ticked_and_reasons_typed(officer, an_on_record,
                                                                        portal):
    found = awaiting(declared(full_name="Nguyễn Văn Ân"))
    empty = officer.post(f"/co-quan/tiep-nhan/{found.reference}/quyet-dinh/",
                         {"decision": "reject", "reasons": "  "})
    assert empty.status_code == 422 and "DESK_REASONS_REQUIRED" in empty.content.decode()
    response = officer.post(f"/co-quan/tiep-nhan/{found.reference}/quyet-dinh/", {
        "decision": "reject", "differences": ["HoTen"],
        "reasons": "Giấy tờ tùy thân xuất trình đã hết hạn\n"})
    assert response.status_code == 302
    found.refresh_from_db()
    assert found.status == DeclarationStatus.REJECTED
    assert [r["code"] for r in found.reasons] == ["RECORD_NAME_MISMATCH", "DESK_OFFICER_REASON"]
    assert found.reasons[1]["message"] == "Giấy tờ tùy thân xuất trình đã hết hạn"
    assert b"TB-GD" in bytes(found.notice)
    event = AuditEvent.objects.get(action="portal.desk.rejected")
    assert event.details["reasons"] == ["Giấy tờ tùy thân xuất trình đã hết hạn"]
    assert event.details["differences"] == ["RECORD_NAME_MISMATCH"]


def test_paper_entry_gets_a_deadline_of_three_working_days(officer):
    point("01002", "BHXH quận Hai Bà Trưng")
    friday = datetime(2026, 12, 4, 9, 30, tzinfo=VIETNAM_TZ)
    created = desk.enter_paper(paper_form(), "01002", User.objects.get(), now=friday)
    assert (created.filing, created.status) == (Filing.PAPER, DeclarationStatus.RECEIVED)
    # Friday → Monday, Tuesday, Wednesday: the end of Wednesday 9 December.
    assert created.deadline_at == datetime(2026, 12, 9, 23, 59, 59, tzinfo=VIETNAM_TZ)
    assert created.phone == "84987654321"
    assert desk.declared_of(created).filing == "TaiCoQuanBHXH"
    assert AuditEvent.objects.get(action="portal.desk.paper_entered").details[
        "reception_point"] == "01002"
    # Over New Year: entered Wednesday 30 December, due Tuesday 5 January (1 January off).
    holiday = desk.enter_paper(paper_form(bhxh_number="0100000009"), "01002",
                               User.objects.get(), now=friday + timedelta(days=26))
    assert holiday.deadline_at.date() == datetime(2027, 1, 5).date()
    # Time moved: one typed in two weeks before now is past its deadline in the console.
    two_weeks_ago = timezone.now() - timedelta(days=14)
    earlier = desk.enter_paper(paper_form(bhxh_number="0100000008",
                                          declared_on=f"{two_weeks_ago:%d/%m/%Y}"), "01002",
                               User.objects.get(), now=two_weeks_ago)
    html = officer.get("/co-quan/tiep-nhan/", {"diem": "01002"}).content.decode()

    def row(found: Declaration) -> str:
        return html[html.rindex("<tr", 0, html.index(display(found.reference))):][:900]

    assert row(earlier).startswith('<tr class="overdue">') and "quá hạn" in row(earlier)
    assert row(created).startswith('<tr class="">') and "23:59 09/12/2026" in row(created)


def test_paper_entry_through_the_page_names_each_faulty_field(officer):
    point()
    response = officer.post("/co-quan/tiep-nhan/nhap-to-khai-giay/",
                            {**paper_form(id_number="12345", mobile="0123"), "point": "01001"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_number-error"' in html and 'id="mobile-error"' in html
    assert not Declaration.objects.exists()
    done = officer.post("/co-quan/tiep-nhan/nhap-to-khai-giay/",
                        {**paper_form(), "point": "01001"})
    created = Declaration.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/{created.reference}/")
    again = officer.post("/co-quan/tiep-nhan/nhap-to-khai-giay/",
                         {**paper_form(), "point": "01001"})
    assert "PORTAL_DECLARATION_IN_PROGRESS" in again.content.decode()


def test_two_paper_entries_of_one_person_at_the_same_moment_give_the_in_progress_error(
        officer, monkeypatch):
    """Two desks type the same person's paper at once: both pass the look, the partial unique
    constraint (declaration_one_in_progress) stops the second — the officer reads
    PORTAL_DECLARATION_IN_PROGRESS on the page, not a 500."""
    point()
    first = desk.enter_paper(paper_form(), "01001", User.objects.get())
    looks = []
    real_refuse = desk._refuse_second

    def first_look_misses_it(bhxh_number: str) -> None:  # the other desk not yet committed
        looks.append(bhxh_number)
        if len(looks) > 1:
            real_refuse(bhxh_number)

    monkeypatch.setattr(desk, "_refuse_second", first_look_misses_it)
    again = officer.post("/co-quan/tiep-nhan/nhap-to-khai-giay/",
                         {**paper_form(), "point": "01001"})
    assert again.status_code == 422, again.status_code
    assert "PORTAL_DECLARATION_IN_PROGRESS" in again.content.decode()
    assert Declaration.objects.get() == first and len(looks) == 2

def test_day_7_brings_a_reminder_and_day_10_the_cancellation(mailserver):
    confirmed = timezone.now()
    found = awaiting(confirmed_at=confirmed)
    assert desk.remind_unfiled(now=confirmed + timedelta(days=6, hours=23)) == 0
    assert desk.remind_unfiled(now=confirmed + timedelta(days=7, minutes=1)) == 1
    assert desk.remind_unfiled(now=confirmed + timedelta(days=8)) == 0  # once
    email, sms = Notification.objects.filter(template="portal_desk_reminder").order_by("pk")
    assert (email.recipient, sms.recipient) == ("an.nguyen@example.vn", "84912345678")
    assert display(found.reference) in email.subject
    assert desk.cancel_unfiled(now=confirmed + timedelta(days=9, hours=23)) == 0
    assert desk.cancel_unfiled(now=confirmed + timedelta(days=10, minutes=1)) == 1
    found.refresh_from_db()
    assert found.status == DeclarationStatus.CANCELLED
    assert Notification.objects.filter(template="portal_desk_cancelled").count() == 2
    assert AuditEvent.objects.filter(action="portal.declaration.cancelled",
                                     target=f"declaration:{found.reference}").exists()
    assert AuditEvent.objects.filter(action="portal.desk.reminded").count() == 1


def test_the_worker_cancels_and_the_person_gets_the_email_and_the_sms(mailserver, smsc):
    from openivan.devsmsc import join_parts
    from tests.conftest import run_worker
    from tests.mailserver import body_of

    long_ago = awaiting(confirmed_at=timezone.now() - timedelta(days=10, minutes=5))
    run_worker()
    long_ago.refresh_from_db()
    assert long_ago.status == DeclarationStatus.CANCELLED
    (email,) = mailserver.wait_for(1)
    assert email["To"] == "an.nguyen@example.vn"
    assert f"{display(long_ago.reference)} đã bị hủy" in email["Subject"]
    assert "kê khai lại" in body_of(email)
    smsc.wait_for(2)  # a long Vietnamese text: several UCS-2 parts
    sms = join_parts(smsc.messages_to("84912345678"))
    assert f"{display(long_ago.reference)} đã bị hủy" in sms


def test_an_officer_without_the_permission_is_refused(an_on_record):
    found = awaiting()
    assert Client().get("/co-quan/tiep-nhan/").status_code == 302
    stranger = Client()
    stranger.force_login(User.objects.create_user("khach", password="x"))
    for url in ("/co-quan/tiep-nhan/", f"/co-quan/tiep-nhan/{found.reference}/",
                "/co-quan/tiep-nhan/nhap-to-khai-giay/"):
        assert stranger.get(url).status_code == 302, url
    refused = stranger.post(f"/co-quan/tiep-nhan/{found.reference}/quyet-dinh/",
                            {"decision": "accept", "id_copy_kept": "1"})
    assert refused.status_code == 302
    found.refresh_from_db()
    assert found.status == DeclarationStatus.AWAITING_DESK
    assert not AuditEvent.objects.filter(action__startswith="portal.desk").exists()
