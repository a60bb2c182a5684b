"""The demo as a visitor sees it in Chromium (the real `openivan demo run`)."""

from __future__ import annotations

from tests.demo.test_demo import demo  # noqa: F401  (the running demo, a fixture)


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
