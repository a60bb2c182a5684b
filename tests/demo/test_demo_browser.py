"""The demo as a visitor sees it in Chromium (the real `openivan demo run`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openivan.demo.files import TOKEN_PIN
from openivan.devpki import samples
from tests.demo.test_demo import (  # noqa: F401  (demo: the running demo, a fixture)
    demo,
    sign_in_as_the_demo_unit,
    start_demo,
    stop_demo,
)
from tests.signer_agent.conftest import display, screen  # noqa: F401  (fixtures)


def test_an_unknown_address_in_the_demo_gets_the_platforms_page_not_found(page, demo):  # noqa: F811
    """The demo ran with DEBUG on and showed Django's yellow debug page, listing every URL of
    the platform; now it answers as production does."""
    base, _ = demo
    response = page.goto(f"{base}/khong-co-trang-nay/")
    assert response.status == 404
    alert = page.get_by_role("alert")
    assert alert.get_attribute("data-code") == "PAGE_NOT_FOUND"
    assert "Không có trang này" in alert.inner_text()
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
    assert "Đã thêm chứng thư số" in page.get_by_role("status").first.inner_text()
    assert "USB Token" in page.locator("#certificates").inner_text()
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
