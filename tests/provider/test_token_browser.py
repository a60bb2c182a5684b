"""The USB-token path end to end: the real signing agent (its own process, a SoftHSM2 token
holding two units' certificates, its windows on Xvfb answered with xdotool), Chromium on the
provider's pages. Chứng thư số › Thêm mới › USB Token lists the token's certificates (another
unit's is refused with the reason), then Đăng ký IVAN › Ký và gửi BH: the agent's window,
the PIN, the signed dossier checked against what was prepared, sent, received. Screenshots of
each screen in var/artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openivan.provider.models import Transaction
from openivan.provider.models import TransactionStatus as S
from openivan.provider.services import accounts
from tests.conftest import run_worker
from tests.provider.screens import shot
from tests.provider.test_pages_browser import PASSWORD, _sign_in
from tests.signer_agent.conftest import (  # noqa: F401  (fixtures)
    PIN,
    UNIT2_MST,
    UNIT_MST,
    display,
    screen,
    start_agent,
    token_dir,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_token_certificate_is_added_and_signs_a_registration(
        page, live_server, bare_unit, accountant, connected, start_agent, screen,  # noqa: F811
        settings) -> None:
    accounts.create_account(bare_unit.tax_code, PASSWORD, [bare_unit], accountant)
    agent = start_agent(preapproved_origins=[live_server.url])
    settings.OPENIVAN_SIGNER_PORTS = [agent.port]
    _sign_in(page, live_server, bare_unit.tax_code)
    page.get_by_role("navigation", name="Đơn vị").get_by_role("link", name="Chứng thư số").click()
    page.get_by_role("link", name="Thêm mới").click()
    shot(page, "certificate-add")
    page.get_by_label("USB Token (qua chương trình ký số trên máy này)").check()
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("button", name="Liệt kê chứng thư số trên USB Token").click()
    listed = page.locator("#token-certificates")
    expect(listed).to_contain_text(f"MST {UNIT_MST}")
    shot(page, "certificate-token-list")
    # Another unit's certificate: refused by the server with the reason.
    listed.locator("label", has_text=f"MST {UNIT2_MST}").click()
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.locator("#error-summary")).to_contain_text("MST_MISMATCH", use_inner_text=True)
    page.get_by_role("button", name="Liệt kê chứng thư số trên USB Token").click()
    unit_certificates = page.locator("#token-certificates label", has_text=f"MST {UNIT_MST}")
    expect(unit_certificates.filter(has_text="đã hết hạn")).to_have_count(1)  # not choosable
    unit_certificates.filter(has_not_text="đã hết hạn").click()
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Đã thêm chứng thư số", use_inner_text=True)
    expect(page.locator("#certificates")).to_contain_text("USB Token", use_inner_text=True)
    shot(page, "certificates")

    page.get_by_role("navigation", name="Đơn vị").get_by_role(
        "link", name="Thông tin đơn vị").click()
    page.get_by_role("link", name="Đăng ký IVAN").click()
    shot(page, "register")
    page.get_by_role("button", name="Ký và gửi BH").click()
    page.wait_for_url("**/ky/")
    shot(page, "token-sign")
    page.get_by_role("button", name="Ký và gửi BH").click()
    window = screen.window("OpenIvanSign")
    screen.type(window, PIN)
    screen.screenshot("provider-agent-window.png")
    screen.key(window, "Return")
    page.wait_for_url("**/giao-dich/*/", timeout=60_000)
    tx = Transaction.objects.get()
    assert tx.status == S.SENDING and tx.certificate.source == "token"
    run_worker()
    expect(page.locator("#tx-status")).to_have_text("BHXH đã tiếp nhận", timeout=30_000)
    shot(page, "transaction-received")


def test_the_token_list_button_waits_for_its_script(
        page, live_server, bare_unit, accountant) -> None:
    """A click before the page's script attached its handler did nothing (CI of stop 36):
    the button is disabled until the script has run."""
    accounts.create_account(bare_unit.tax_code, PASSWORD, [bare_unit], accountant)
    _sign_in(page, live_server, bare_unit.tax_code)
    adding = f"{live_server.url}/ivan/don-vi/{bare_unit.tax_code}/chung-thu-so/them/?source=token"
    page.route("**/token-add.js", lambda route: route.abort())
    page.goto(adding)
    button = page.get_by_role("button", name="Liệt kê chứng thư số trên USB Token")
    expect(button).to_be_disabled()
    page.unroute("**/token-add.js")
    page.goto(adding)
    expect(button).to_be_enabled()
