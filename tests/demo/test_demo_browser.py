"""The demo as a visitor sees it in Chromium (the real `openivan demo run`)."""

from __future__ import annotations

import html
import re
import subprocess

import httpx
import pytest
from playwright.sync_api import expect

from openivan.demo.files import OFFICER, TOKEN_PIN
from openivan.devpki import samples
from tests.demo.test_demo import (  # noqa: F401  (demo: the running demo, a fixture)
    _mail,
    demo,
    sign_in_as_the_demo_unit,
    start_demo,
    stop_demo,
)
from tests.portal.conftest import person_form
from tests.portal.test_declaring_browser import fill
from tests.signer_agent.conftest import display, screen  # noqa: F401  (fixtures)
from tests.waiting import wait_until


def test_an_unknown_address_in_the_demo_gets_the_platforms_page_not_found(page, demo):  # noqa: F811
    """The demo ran with DEBUG on and showed Django's yellow debug page, listing every URL of
    the platform; now it answers as production does."""
    base, _ = demo
    response = page.goto(f"{base}/khong-co-trang-nay/")
    assert response.status == 404
    alert = page.get_by_role("alert")
    assert alert.get_attribute("data-code") == "PAGE_NOT_FOUND"
    expect(alert).to_contain_text("Không có trang này", use_inner_text=True)
    assert "URLconf" not in page.content() and "co-quan/ho-so" not in page.content()


@pytest.fixture
def demo_on_a_display(tmp_path, display):  # type: ignore[no-untyped-def]  # noqa: F811
    """The demo with an X server (Xvfb), so its signing agent can show its window."""
    process, base, env = start_demo(tmp_path, display=display)
    yield base, env
    stop_demo(process)


def test_the_tour_a_unit_adds_the_demo_tokens_certificate_and_signs_with_it(
        page, demo_on_a_display, screen) -> None:  # noqa: F811  (screen: a fixture)
    """The README's tour with the USB token: the demo's SoftHSM2 token reached through the
    signing agent the demo started (its page origin approved beforehand): Chứng thư số ›
    Thêm mới › USB Token lists the demo unit's certificate, Xác nhận; Đăng ký IVAN › Ký và
    gửi BH opens the agent's window, the banner's PIN signs, the demo's worker sends it."""
    base, _ = demo_on_a_display
    sign_in_as_the_demo_unit(page, base)
    page.get_by_role("navigation", name="Đơn vị").get_by_role("link", name="Chứng thư số").click()
    page.get_by_role("link", name="Thêm mới").click()
    page.get_by_label("USB Token (qua chương trình ký số trên máy này)").check()
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("button", name="Liệt kê chứng thư số trên USB Token").click()
    listed = page.locator("#token-certificates")
    expect(listed).to_contain_text(f"MST {samples.UNIT_TAX_CODE}", timeout=30_000)
    listed.locator("label", has_text=f"MST {samples.UNIT_TAX_CODE}").click()
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Đã thêm chứng thư số", use_inner_text=True)
    expect(page.locator("#certificates")).to_contain_text("USB Token", use_inner_text=True)
    page.get_by_role("navigation", name="Đơn vị").get_by_role(
        "link", name="Thông tin đơn vị").click()
    page.get_by_role("list", name="Thao tác").get_by_role("link", name="Đăng ký IVAN").click()
    page.get_by_role("button", name="Ký và gửi BH").click()
    page.wait_for_url("**/ky/")
    page.get_by_role("button", name="Ký và gửi BH").click()
    window = screen.window("OpenIvanSign")
    screen.type(window, TOKEN_PIN)
    screen.key(window, "Return")
    page.wait_for_url("**/giao-dich/*/", timeout=60_000)
    expect(page.locator("#tx-status")).to_have_text("BHXH đã tiếp nhận", timeout=60_000)


def test_the_tour_a_person_registers_at_the_desk_and_signs_in_with_the_one_time_password(
        page, demo, tmp_path) -> None:  # noqa: F811
    """The README's tour for an individual (the demo's token holds no person certificate, so
    the desk path): 01/ĐK-GD as the demo records' Nguyễn Văn An → "Nộp tại cơ quan BHXH" →
    Mẫu số 01 as PDF → the demo officer accepts at the desk → the email and the SMS in the
    mailbox → the first sign-in with the one-time password asks for a new one."""
    base, _ = demo
    page.goto(f"{base}/ca-nhan/dang-ky/")
    fill(page, person_form())
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("radio", name="Nộp tại cơ quan BHXH").check()
    page.get_by_label("Nơi tiếp nhận hồ sơ", exact=False).select_option("01001")
    page.get_by_role("button", name="Xác nhận").click()
    code = page.locator("#reference-code").inner_text()
    with page.expect_download() as downloading:
        page.locator("#form-pdf").click()
    pdf = tmp_path / "mau-01.pdf"
    downloading.value.save_as(pdf)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    assert "NGUYỄN VĂN AN" in text and code in text, text

    # The demo officer (the desk granted by the demo), with the demo authenticator's code.
    page.goto(f"{base}/co-quan/tiep-nhan/")
    page.get_by_label("Tài khoản").fill(OFFICER[0])
    page.get_by_label("Mật khẩu").fill(OFFICER[1])
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan/xac-thuc-hai-lop/**")
    app = page.context.new_page()
    app.goto(f"{base}/ung-dung-xac-thuc/")
    totp = app.locator(f'[data-account="{OFFICER[0]}"]').inner_text()
    app.close()
    page.get_by_label("Mã xác thực", exact=False).first.fill(totp)
    page.get_by_role("button", name="Xác nhận").click()
    page.goto(f"{base}/co-quan/tiep-nhan/")
    page.get_by_label("Tìm tờ khai").fill(code)
    page.get_by_role("button", name="Tìm", exact=True).click()  # the code: straight to it
    page.get_by_label("Đã lưu bản sao giấy tờ tùy thân").check()
    page.get_by_role("button", name="Chấp nhận", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Đã chấp nhận tờ khai {code}", use_inner_text=True)

    # The demo's worker sends the email and the SMS; both are on the mailbox page.
    client = httpx.Client(base_url=base, timeout=10)
    letter = _mail(client, "Tài khoản giao dịch điện tử BHXH")
    password = re.search(r"Mật khẩu lần đầu:\s+(\S+)", letter).group(1)  # type: ignore[union-attr]
    wait_until(lambda: f"Mật khẩu lần đầu: {password}" in html.unescape(
        client.get("/hop-thu/").text), timeout=30, interval=0.3, what="the SMS in the mailbox")

    page.context.clear_cookies()  # the person, not the officer
    page.goto(f"{base}/ca-nhan/dang-nhap/")
    page.get_by_label("Mã số BHXH hoặc số CCCD/CMND").fill("001090000001")
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/tai-khoan/doi-mat-khau/?next=*")
    expect(page.get_by_label("Mật khẩu lần đầu (trong thư của cơ quan BHXH)")).to_be_visible()
