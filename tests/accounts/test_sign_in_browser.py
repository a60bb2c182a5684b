"""A unit's accountant signs in and changes the one-time password in a real browser: the
platform's own words, each next to the field it is about."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openivan.accounts import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def issued():  # type: ignore[no-untyped-def]
    return services.issue_unit_account("0101300842", "CÔNG TY TNHH GIẢI PHÁP MỞ",
                                       "ketoan@giaiphapmo.vn", reissue=False)


def _sign_in(page, live_server, password, next_path=""):  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/{next_path}")
    page.get_by_label("Tài khoản").fill("0101300842")
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_wrong_password_is_told_in_the_platforms_words_tied_to_the_fields(
        page, live_server, issued):
    _sign_in(page, live_server, "sai-mat-khau")
    alert = page.get_by_role("alert").inner_text()
    assert "Tài khoản hoặc mật khẩu không đúng" in alert
    assert "Tên đăng nhập" not in alert and "Vui lòng điền" not in alert
    for label in ("Tài khoản", "Mật khẩu"):
        field = page.get_by_label(label, exact=True)
        assert field.get_attribute("aria-describedby") == "login-error"


def test_first_change_asks_for_the_one_time_password_and_errors_sit_by_their_field(
        page, live_server, issued):
    _sign_in(page, live_server, issued.one_time_password)
    page.wait_for_url("**/tai-khoan/doi-mat-khau/")
    assert page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)").is_visible()
    assert page.get_by_label("Mật khẩu cũ").count() == 0
    page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)").fill(
        issued.one_time_password)
    page.get_by_label("Mật khẩu mới", exact=True).fill("12345678")  # short, all digits
    page.get_by_label("Nhập lại mật khẩu mới").fill("12345678")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    new = page.get_by_label("Mật khẩu mới", exact=True)
    expect(new).to_have_attribute("aria-invalid", "true")  # the answer, not the form left
    error_id = new.get_attribute("aria-describedby").split()[0]
    expect(page.locator(f"#{error_id}")).to_contain_text("quá ngắn", use_inner_text=True)
    again = page.get_by_label("Nhập lại mật khẩu mới")
    assert again.get_attribute("aria-invalid") is None  # nothing wrong with the confirmation
    page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)").fill(
        issued.one_time_password)
    new.fill("Bao-hiem-xa-hoi-2026")
    again.fill("Bao-hiem-xa-hoi-2027")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    again = page.get_by_label("Nhập lại mật khẩu mới")
    expect(again).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#" + again.get_attribute("aria-describedby").split()[0])).to_contain_text(
        "không giống nhau", use_inner_text=True)


def test_a_unit_opening_the_console_is_told_it_may_not(page, live_server, issued):
    _sign_in(page, live_server, issued.one_time_password)
    page.wait_for_url("**/tai-khoan/doi-mat-khau/")
    page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)").fill(
        issued.one_time_password)
    page.get_by_label("Mật khẩu mới", exact=True).fill("Bao-hiem-xa-hoi-2026")
    page.get_by_label("Nhập lại mật khẩu mới").fill("Bao-hiem-xa-hoi-2026")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.get_by_role("status").filter(has_text="Đã đổi mật khẩu.").wait_for()
    page.goto(f"{live_server.url}/co-quan/ho-so/")
    assert "Tài khoản 0101300842 không có quyền mở trang này" in page.get_by_role(
        "alert").inner_text()


def test_the_units_own_pages_pass_the_accessibility_check_at_phone_width(
        page, live_server, issued):
    """The home page and "Tài khoản của tôi" as a unit sees them on a phone (axe-core runs on
    each page the `page` fixture loads)."""
    page.set_viewport_size({"width": 390, "height": 800})
    _sign_in(page, live_server, issued.one_time_password)
    page.wait_for_url("**/tai-khoan/doi-mat-khau/")
    page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)").fill(
        issued.one_time_password)
    page.get_by_label("Mật khẩu mới", exact=True).fill("Bao-hiem-xa-hoi-2026")
    page.get_by_label("Nhập lại mật khẩu mới").fill("Bao-hiem-xa-hoi-2026")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.get_by_role("heading", level=1).wait_for()
    page.get_by_role("link", name="0101300842").click()
    page.wait_for_url("**/tai-khoan/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
