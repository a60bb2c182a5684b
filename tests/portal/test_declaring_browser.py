"""The individuals' pages in Debian's Chromium: 01/ĐK-GD with each problem beside its field
(and linked from the summary at the top), the confirmation, filing at a reception point → the
reference code and Mẫu số 01 downloaded and read back with pdftotext, the status lookup by
reference code. Screenshots of each screen in var/artifacts/portal-*.png."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from openivan.core import reference as references
from openivan.portal.models import Declaration
from tests.portal.conftest import person_form

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"portal-{name}.png"), full_page=True)


LABELS = {
    "full_name": "Họ và tên", "birth_date": "Ngày sinh", "bhxh_number": "Mã số BHXH",
    "id_number": "Số giấy tờ", "id_issued_on": "Ngày cấp", "id_issued_by": "Nơi cấp",
    "address": "Địa chỉ liên hệ", "mobile": "Số điện thoại di động",
    "email": "Địa chỉ thư điện tử", "agency": "Cơ quan BHXH nhận hồ sơ",
    "place": "Địa danh",
}


def fill(page, values: dict) -> None:  # type: ignore[no-untyped-def,type-arg]
    """Type the declaration as a person does: by the fields' labels."""
    for name, label in LABELS.items():
        page.get_by_label(label, exact=False).first.fill(values[name])
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Loại giấy tờ").select_option(values["id_type"])
    for code in values["transactions"]:
        page.locator(f"input[name=transactions][value={code}]").check()


def first_sign_in(page, base: str, identifier: str, one_time: str,  # type: ignore[no-untyped-def]
                  new: str = "Đà Lạt sương mù 1975") -> None:
    """The individuals' sign-in with the one-time password of the agency's email and SMS, and
    the change it forces, ending on the account page."""
    page.goto(f"{base}/ca-nhan/dang-nhap/")
    page.get_by_label("Mã số BHXH hoặc số CCCD/CMND").fill(identifier)
    page.get_by_label("Mật khẩu", exact=True).fill(one_time)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan/doi-mat-khau/?next=*")
    page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)").fill(one_time)
    page.get_by_label("Mật khẩu mới", exact=True).fill(new)
    page.get_by_label("Nhập lại mật khẩu mới").fill(new)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url("**/ca-nhan/tai-khoan/")


def test_form_problems_are_shown_beside_their_fields(page, live_server) -> None:
    page.goto(f"{live_server.url}/ca-nhan/dang-ky/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("01/ĐK-GD")
    shot(page, "form")
    fill(page, person_form(full_name="", id_number="00109000", mobile="0212345678"))
    page.get_by_role("button", name="Tiếp tục").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Họ và tên", use_inner_text=True)
    expect(page.locator("#id_id_number-error")).to_contain_text("CCCD_FORMAT")
    expect(page.locator("#id_mobile-error")).to_contain_text("PHONE_NETWORK")
    expect(page.locator("#id_full_name-error")).to_contain_text("FIELD_REQUIRED")
    expect(page.locator("#id_id_number")).to_have_attribute("aria-invalid", "true")
    shot(page, "form-errors")
    summary.get_by_role("link", name="Số giấy tờ", exact=False).click()  # the link leads to it
    expect(page.locator("#id_id_number")).to_be_focused()
    page.set_viewport_size({"width": 375, "height": 800})  # a phone
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    shot(page, "form-errors-phone")


def test_filing_at_a_reception_point_gives_the_code_and_the_printable_form(
        page, live_server, reception_point, tmp_path) -> None:
    page.goto(f"{live_server.url}/ca-nhan/dang-ky/")
    fill(page, person_form())
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác nhận thông tin")
    expect(page.locator("#declaration-facts")).to_contain_text("Nguyễn Văn An")
    page.get_by_role("radio", name="Nộp tại cơ quan BHXH").check()
    page.get_by_label("Nơi tiếp nhận hồ sơ", exact=False).select_option("01001")
    shot(page, "confirm")
    page.get_by_role("button", name="Xác nhận").click()
    made = Declaration.objects.get()
    code = references.display(made.reference)
    expect(page.locator("#reference-code")).to_have_text(code)
    expect(page.locator("#deadline")).to_contain_text("10 ngày")
    shot(page, "desk-done")
    with page.expect_download() as downloading:
        page.locator("#form-pdf").click()
    pdf = tmp_path / "mau-01.pdf"
    downloading.value.save_as(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "NGUYỄN VĂN AN", "0123456789",
                     "001090000001", "Cục Cảnh sát QLHC về TTXH", "BHXH quận Hoàn Kiếm", code):
        assert expected in text, (expected, text)

    # Anyone with the code sees its status (and nothing of its contents).
    page.get_by_role("link", name="Tra cứu tờ khai").first.click()
    page.get_by_label("Mã tham chiếu").fill(made.reference.lower())
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#status-label")).to_have_text("Chờ nộp tại cơ quan BHXH")
    assert "Nguyễn Văn An" not in page.content()
    shot(page, "status-awaiting")


def test_an_unknown_code_is_said_so(page, live_server) -> None:
    page.goto(f"{live_server.url}/ca-nhan/tra-cuu/")
    body = "ACDEFGHJK"
    unknown = references.display(body + references.check_character(body))
    page.get_by_label("Mã tham chiếu").fill(unknown)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#reference-error")).to_contain_text("PORTAL_DECLARATION_NOT_FOUND")
    shot(page, "lookup-unknown")
    page.get_by_label("Mã tham chiếu").fill("KM4TX-ACH7A")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#reference-error")).to_contain_text("REFERENCE_")


def received(**changes: object) -> Declaration:
    """A signed declaration as the intake leaves it: received, under automatic processing."""
    from django.utils import timezone

    from openivan.core.xml import individual
    from openivan.portal.services import declarations

    model = declarations.check_form(person_form())
    now = timezone.now()
    values: dict = {  # type: ignore[type-arg]
        "reference": references.new_reference(), "filing": "ChungThuSo", "status": "received",
        "document": individual.build(model), "fields": declarations.form_values(model),
        "bhxh_number": model.bhxh_number, "full_name": model.full_name,
        "name_key": "nguyen van an", "id_number": model.id_number, "phone": "84912345678",
        "received_at": now, "deadline_at": now + timedelta(minutes=15), **changes}
    return Declaration.objects.create(**values)


def test_the_status_of_a_signed_declaration_updates_itself_until_refused(
        page, live_server, settings) -> None:
    made = received()
    page.goto(f"{live_server.url}/ca-nhan/tra-cuu/{made.reference}/")
    expect(page.locator("#status-label")).to_have_text("Tiếp nhận")
    expect(page.locator("#declaration-status")).to_contain_text("trong vòng 15 phút")
    shot(page, "status-processing")
    reasons = [{"code": "RECORD_NAME_MISMATCH", "element": "HoTen",
                "message": "Họ tên không khớp với dữ liệu quản lý của cơ quan BHXH.",
                "message_en": "The name does not match the agency's records."}]
    Declaration.objects.filter(pk=made.pk).update(status="rejected", reasons=reasons,
                                                  decided_at=made.received_at)
    # No reload: the page asks again by itself.
    expect(page.locator("#status-label")).to_have_text("Không chấp nhận", timeout=15_000)
    expect(page.locator("#reasons")).to_contain_text(
        "Họ và tên: không khớp với dữ liệu quản lý của cơ quan BHXH (RECORD_NAME_MISMATCH)")
    expect(page.locator("#reasons")).to_contain_text("1900 9068")
    shot(page, "status-rejected")


def test_an_accepted_declaration_tells_how_to_sign_in(page, live_server) -> None:
    made = received(status="accepted")
    page.goto(f"{live_server.url}/ca-nhan/tra-cuu/{made.reference}/")
    expect(page.locator("#accepted")).to_contain_text("mã số BHXH")
    assert page.locator("#declaration-status[hx-get]").count() == 0  # no more polling
