"""An officer's first sign-in in a real browser: the password, then setting up the
authenticator app from the page (its setup key typed into the "app"), the recovery codes,
and on to the console."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from openivan.core import totp
from tests.staff import new_officer, password_in_browser

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_officer_sets_up_the_app_at_the_first_sign_in_and_reaches_the_console(
        page, live_server):  # type: ignore[no-untyped-def]
    new_officer()
    password_in_browser(page, f"{live_server.url}/co-quan/ho-so/")

    page.get_by_role("heading", name="Thiết lập xác thực hai lớp").wait_for()
    assert page.get_by_role("img", name="Mã QR chứa khoá thiết lập").is_visible()  # said, too
    qr = page.locator("figure.qr svg")
    box = qr.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100  # big enough for a phone
    key = page.locator("#setup-key").inner_text()
    secret = totp.secret_from_text(key.replace(" ", ""))
    page.get_by_label("Mã xác thực").fill("000000" if totp.matching_step(
        secret, "000000", time.time()) is None else "111111")
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("alert").filter(has_text="Mã xác thực không đúng").wait_for()

    page.get_by_label("Mã xác thực").fill(totp.code_at(secret, totp.time_step(time.time())))
    page.get_by_role("button", name="Xác nhận").click()
    page.get_by_role("heading", name="Mã dự phòng").wait_for()
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Tôi đã lưu lại: tiếp tục").click()
    page.wait_for_url("**/co-quan/ho-so/")
    page.get_by_role("heading", name="Hồ sơ", exact=True).wait_for()
