"""Pages that live on static files, in Chromium: the API documentation (Swagger UI) and the
admin's sign-in page load everything from the platform and break none of its policy (the
`page` fixture fails a test on any Content-Security-Policy refusal)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_documentation_renders_from_the_platform_alone(page, live_server) -> None:  # type: ignore[no-untyped-def]
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/dossiers").first
    operation.wait_for()  # Swagger UI ran and read the OpenAPI schema
    assert requested and all(url.startswith(live_server.url) for url in requested), requested


def test_the_admin_sign_in_page_is_styled(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/admin/login/")
    header = page.locator("#header")
    # The admin's stylesheet arrived: its header colour, not the browser's default.
    assert header.evaluate("h => getComputedStyle(h).backgroundColor") == "rgb(65, 118, 144)"
    expect(header).to_contain_text(
        "Quản trị hệ thống OpenIVAN", use_inner_text=True)  # not "…cho Django"
    assert "Django" not in header.inner_text()
