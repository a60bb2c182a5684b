"""The reception desk in a real browser: the officer signs in, finds a person's declaration by
the name typed without accents, sees the difference from the agency's record highlighted, cannot
accept before ticking the ID-copy box, then accepts; paper entry shows its deadline; and the
whole path of a person without a certificate, from the form to the first sign-in."""

from __future__ import annotations

import re
import subprocess
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openivan.core import totp
from openivan.core.reference import display
from openivan.devsmsc import join_parts
from openivan.portal.models import Declaration, DeclarationStatus
from openivan.portal.services import records
from tests.conftest import run_worker
from tests.mailserver import body_of
from tests.portal.conftest import person_form
from tests.portal.desk_helpers import AN, HEADER, awaiting, declared, desk_officer, point
from tests.portal.test_declaring_browser import fill, first_sign_in
from tests.staff import app_set_up_a_step_ago, password_in_browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def at_the_desk(page, live_server):  # type: ignore[no-untyped-def]
    """The desk officer's browser, signed in with the password and the authenticator code."""
    secret = app_set_up_a_step_ago(desk_officer("tiepnhan01", "import_records"))
    password_in_browser(page, f"{live_server.url}/co-quan/tiep-nhan/", "tiepnhan01")
    page.get_by_label("Mã xác thực hoặc mã dự phòng").fill(
        totp.code_at(secret, totp.time_step(time.time())))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/co-quan/tiep-nhan/")
    return page


def test_officer_finds_by_name_without_accents_sees_the_difference_and_accepts(
        at_the_desk, tmp_path, portal):
    csv = tmp_path / "records.csv"
    csv.write_text(HEADER + AN, encoding="utf-8")
    records.import_file(csv, "cli:test")
    found = awaiting(declared(address="Số 2 Tràng Tiền, Hà Nội", sex="Nam",
                              id_type="CMND", id_number="012345679"))
    page = at_the_desk
    page.reload()
    page.get_by_label("Tìm tờ khai").fill("nguyen van an")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.get_by_role("link", name=display(found.reference)).first.click()
    row = page.get_by_role("row").filter(has_text="Số giấy tờ")
    expect(row).to_contain_text("khác", use_inner_text=True)
    assert row.evaluate("r => getComputedStyle(r).backgroundColor") == "rgb(253, 240, 240)"
    page.get_by_role("button", name="Chấp nhận", exact=True).click()  # the box not ticked: held
    assert page.get_by_label("Đã lưu bản sao giấy tờ tùy thân").evaluate(
        "e => e.validity.valueMissing")
    found.refresh_from_db()
    assert found.status == DeclarationStatus.AWAITING_DESK
    page.get_by_label("Đã lưu bản sao giấy tờ tùy thân").check()
    page.get_by_role("button", name="Chấp nhận", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Đã chấp nhận tờ khai {display(found.reference)}", use_inner_text=True)
    found.refresh_from_db()
    assert (found.status, found.id_copy_kept) == (DeclarationStatus.ACCEPTED, True)


def test_officer_types_a_paper_declaration_and_sees_its_deadline(at_the_desk):
    point("01001", "BHXH quận Hoàn Kiếm")
    late = awaiting(confirmed_at=timezone.now() - timedelta(days=10, hours=1))
    page = at_the_desk
    page.get_by_role("link", name="Nhập tờ khai giấy").click()
    for label, value in (("Họ và tên", "Trần Thị Bình"), ("Ngày sinh", "12/08/1985"),
                         ("Mã số BHXH", "0198765432"), ("Số giấy tờ", "012345678"),
                         ("Ngày cấp", "01/02/2010"), ("Nơi cấp", "Công an Hà Nội"),
                         ("Địa chỉ liên hệ", "Số 6 Thể Giao, Hà Nội"),
                         ("Số điện thoại di động", "0987654321"),
                         ("Cơ quan BHXH nhận hồ sơ", "BHXH quận Hoàn Kiếm"),
                         ("Địa danh", "Hà Nội"),
                         ("Ngày kê khai", timezone.localdate().strftime("%d/%m/%Y"))):
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Giới tính").select_option("Nu")
    page.get_by_label("Loại giấy tờ").select_option("CMND")
    page.get_by_label("Tra cứu quá trình tham gia BHXH, BHYT, BHTN").check()
    page.get_by_role("button", name="Lưu tờ khai").click()
    expect(page.get_by_role("status").first).to_contain_text("hạn xử lý", use_inner_text=True)
    created = Declaration.objects.get(bhxh_number="0198765432")
    page.get_by_role("link", name="Tiếp nhận hồ sơ").click()
    overdue = page.get_by_role("row").filter(has_text=display(late.reference))
    expect(overdue).to_contain_text("quá hạn", use_inner_text=True)
    assert overdue.evaluate("r => getComputedStyle(r).backgroundColor") == "rgb(253, 240, 240)"
    fresh = page.get_by_role("row").filter(has_text=display(created.reference))
    assert "quá hạn" not in fresh.inner_text()
    assert timezone.localtime(created.deadline_at).strftime("%H:%M %d/%m/%Y") in (
        fresh.inner_text())


@pytest.fixture
def person(at_the_desk):  # type: ignore[no-untyped-def]
    """The person's own browser beside the officer's, closed after the test: its keep-alive
    connections would otherwise hold the live server's database sessions to the end of the run
    (PostgreSQL then refuses to drop the test database)."""
    with at_the_desk.context.browser.new_context(locale="vi-VN") as context:
        yield context.new_page()


def test_a_person_without_a_certificate_registers_is_accepted_at_the_desk_and_signs_in(
        at_the_desk, person, mailserver, smsc, tmp_path):
    """The issue's whole path for a person without a certificate, in two browsers (the
    person's, the officer's): 01/ĐK-GD "Nộp tại cơ quan BHXH" → Mẫu số 01 downloaded and read
    with pdftotext → the officer accepts at the desk → the email (at aiosmtpd) and the SMS (at
    the test SMSC) carry the one-time password → the first sign-in forces its change."""
    csv = tmp_path / "records.csv"
    csv.write_text(HEADER + AN, encoding="utf-8")
    records.import_file(csv, "cli:test")
    point()
    officer = at_the_desk
    base = officer.url.split("/co-quan/")[0]
    person.goto(f"{base}/ca-nhan/dang-ky/")
    fill(person, person_form())
    person.get_by_role("button", name="Tiếp tục").click()
    person.get_by_role("radio", name="Nộp tại cơ quan BHXH").check()
    person.get_by_label("Nơi tiếp nhận hồ sơ", exact=False).select_option("01001")
    person.get_by_role("button", name="Xác nhận").click()
    code = person.locator("#reference-code").inner_text()
    with person.expect_download() as downloading:
        person.locator("#form-pdf").click()
    pdf = tmp_path / "mau-01.pdf"
    downloading.value.save_as(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    for expected in ("NGUYỄN VĂN AN", "0123456789", "001090000001", code):
        assert expected in text, (expected, text)

    # At the desk: the code typed (or its QR read) leads straight to the declaration.
    officer.get_by_label("Tìm tờ khai").fill(code)
    officer.get_by_role("button", name="Tìm", exact=True).click()
    officer.get_by_label("Đã lưu bản sao giấy tờ tùy thân").check()
    officer.get_by_role("button", name="Chấp nhận", exact=True).click()
    expect(officer.get_by_role("status").first).to_contain_text(
        f"Đã chấp nhận tờ khai {code}", use_inner_text=True)

    run_worker()  # the worker hands the email to the SMTP server and the SMS to the SMSC
    letters = [body_of(m) for m in mailserver.to("an.nguyen@example.vn")]
    [letter] = [body for body in letters if "Mật khẩu lần đầu" in body]
    password = re.search(r"Mật khẩu lần đầu:\s+(\S+)", letter).group(1)  # type: ignore[union-attr]
    sms = join_parts(smsc.messages_to("84912345678"))
    assert f"Mật khẩu lần đầu: {password}." in sms and "0123456789" in sms

    first_sign_in(person, base, "001090000001", password)
    expect(person.locator("#account-name")).to_have_text("0123456789", use_inner_text=True)
