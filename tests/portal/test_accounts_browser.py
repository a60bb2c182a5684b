"""A person signs in to the portal in a real browser (Debian's Chromium): the one-time password
changed first, and "quên mật khẩu" with the code of an SMS read from the real test SMSC."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openivan.devsmsc import join_parts
from tests.conftest import run_worker
from tests.portal.test_accounts import BHXH, CCCD, GOOD, ONE_TIME, make_person

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(page, live_server, identifier, password):  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/ca-nhan/dang-nhap/")
    page.get_by_label("Mã số BHXH hoặc số CCCD/CMND").fill(identifier)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_first_sign_in_with_the_id_number_forces_the_password_change(page, live_server):
    make_person()
    _sign_in(page, live_server, CCCD, ONE_TIME)
    page.wait_for_url("**/tai-khoan/doi-mat-khau/?next=*")
    page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)").fill(ONE_TIME)
    page.get_by_label("Mật khẩu mới", exact=True).fill(ONE_TIME)  # the same again
    page.get_by_label("Nhập lại mật khẩu mới").fill(ONE_TIME)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "phải khác mật khẩu hiện tại", use_inner_text=True)
    page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)").fill(ONE_TIME)
    page.get_by_label("Mật khẩu mới", exact=True).fill(GOOD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(GOOD)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url("**/ca-nhan/tai-khoan/")
    expect(page.locator("#account-name")).to_have_text(BHXH, use_inner_text=True)
    assert "Cần đổi trước ngày" in page.content()


def test_forgot_password_with_the_code_of_the_sms(page, live_server, smsc):
    make_person(one_time=False, password=GOOD)
    page.goto(f"{live_server.url}/ca-nhan/dang-nhap/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.get_by_label("Mã số BHXH hoặc số CCCD/CMND").fill(BHXH)
    page.get_by_role("button", name="Gửi mã").click()
    page.wait_for_url("**/ca-nhan/quen-mat-khau/dat-lai/")
    run_worker()  # the worker hands the SMS to the SMSC
    text = join_parts(smsc.messages_to("84912345678"))
    code = re.search(r"là (\d{6}), dùng được đến", text).group(1)  # type: ignore[union-attr]
    page.get_by_label("Mã trong tin nhắn SMS").fill(code)
    page.get_by_label("Mật khẩu mới", exact=True).fill("password123")  # too common
    page.get_by_label("Nhập lại mật khẩu mới").fill("password123")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    expect(page.locator("main")).to_contain_text("quá phổ biến", use_inner_text=True)
    page.get_by_label("Mã trong tin nhắn SMS").fill(code)  # the code still works
    page.get_by_label("Mật khẩu mới", exact=True).fill("Đà Lạt sương mù 1975")
    page.get_by_label("Nhập lại mật khẩu mới").fill("Đà Lạt sương mù 1975")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    page.wait_for_url("**/ca-nhan/dang-nhap/")
    expect(page.get_by_role("status").first).to_contain_text(
        "Mật khẩu đã được đổi", use_inner_text=True)
    _sign_in(page, live_server, BHXH, "Đà Lạt sương mù 1975")
    page.wait_for_url("**/ca-nhan/tai-khoan/")


def test_wrong_codes_are_told_beside_the_code_and_then_refused(page, live_server, smsc,
                                                               settings):
    settings.OPENIVAN_PORTAL_RESET_MAX_TRIES = 2
    make_person(one_time=False, password=GOOD)
    page.goto(f"{live_server.url}/ca-nhan/quen-mat-khau/")
    page.get_by_label("Mã số BHXH hoặc số CCCD/CMND").fill(CCCD)
    page.get_by_role("button", name="Gửi mã").click()
    page.wait_for_url("**/dat-lai/")
    for expected in ("PORTAL_RESET_CODE_INVALID", "PORTAL_RESET_CODE_EXPIRED"):
        page.get_by_label("Mã trong tin nhắn SMS").fill("000000")
        page.get_by_label("Mật khẩu mới", exact=True).fill("Đà Lạt sương mù 1975")
        page.get_by_label("Nhập lại mật khẩu mới").fill("Đà Lạt sương mù 1975")
        page.get_by_role("button", name="Đổi mật khẩu").click()
        alert = page.locator("#code-error")
        expect(alert).to_contain_text(expected, use_inner_text=True)
        assert page.get_by_label("Mã trong tin nhắn SMS").get_attribute(
            "aria-describedby") == "code-error"
