"""Đăng ký tài khoản: a new unit signs up, the account stays closed until the link of the
confirmation email is followed, then signs in with its tax code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openivan.provider.models import Unit
from tests.conftest import run_worker
from tests.mailserver import body_of
from tests.provider.screens import shot

pytestmark = pytest.mark.django_db(transaction=True)
MST = "0100109106"  # valid check digit
PASSWORD = "Mat-khau-moi-2026!"


def _fill(page, **values: str) -> None:  # type: ignore[no-untyped-def]
    for name, value in values.items():
        page.locator(f"#id_{name}").fill(value)


def test_a_new_unit_signs_up_confirms_its_email_and_signs_in(page, live_server,
                                                             mailserver) -> None:
    page.goto(f"{live_server.url}/ivan/dang-nhap/")
    page.get_by_role("link", name="Đăng ký tài khoản đơn vị").click()
    _fill(page, tax_code="0100109107", name="CÔNG TY MỚI", email="ketoan@congtymoi.vn",
          phone="0912345678", password1="123", password2="456")
    page.get_by_role("button", name="Đăng ký").click()
    summary = page.locator("#error-summary").inner_text()
    assert "Mã số thuế" in summary and "Mật khẩu" in summary
    assert "sai chữ số kiểm tra" in summary and "quá ngắn" in summary
    _fill(page, tax_code=MST, password1=PASSWORD, password2=PASSWORD + "x")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.locator("#error-summary")).to_contain_text(
        "Hai mật khẩu không giống nhau", use_inner_text=True)
    shot(page, "signup-error")
    assert Unit.objects.count() == 0
    _fill(page, password1=PASSWORD, password2=PASSWORD)
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.locator("#signup-sent")).to_contain_text("ketoan@congtymoi.vn", use_inner_text=True)
    shot(page, "signup-sent")
    # Not confirmed yet: signing in says so, not that the password is wrong.
    page.goto(f"{live_server.url}/ivan/dang-nhap/")
    page.get_by_label("Mã số thuế (hoặc tài khoản của công ty dịch vụ)").fill(MST)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#login-error")).to_contain_text("chưa được kích hoạt", use_inner_text=True)
    run_worker()
    [email] = mailserver.messages
    assert email["To"] == "ketoan@congtymoi.vn"
    link = re.search(r"https?://\S+/ivan/dang-ky/xac-nhan/\S+/", body_of(email)).group(0)
    page.goto(link.rstrip("/") + "x/")  # altered
    expect(page.locator("#confirm-result")).to_contain_text(
        "SIGNUP_LINK_INVALID", use_inner_text=True)
    page.goto(link)
    expect(page.locator("#confirm-result")).to_contain_text(
        "đã được kích hoạt", use_inner_text=True)
    shot(page, "signup-confirmed")
    page.get_by_role("link", name="Đăng nhập").last.click()
    page.get_by_label("Mã số thuế (hoặc tài khoản của công ty dịch vụ)").fill(MST)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thông tin đơn vị", use_inner_text=True)
    assert Unit.objects.get().name == "CÔNG TY MỚI"


def test_a_known_unit_cannot_be_signed_up_again(page, live_server, unit) -> None:
    page.goto(f"{live_server.url}/ivan/dang-ky/")
    _fill(page, tax_code=unit.tax_code, name="KẺ MẠO DANH", email="x@example.vn",
          phone="0912345678", password1=PASSWORD, password2=PASSWORD)
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.locator("#error-summary")).to_contain_text(
        "đã có trên hệ thống", use_inner_text=True)
    assert unit.memberships.count() == 1  # the firm's accountant only
