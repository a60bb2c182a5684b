"""Ký bằng chứng thư số end to end: Chromium on the individuals' pages, the real signing agent
(its own process, a SoftHSM2 token holding the dev PKI's person-cccd certificate, its window
on Xvfb answered with xdotool), the intake and its processing job (signature, chain, OCSP,
the records), the status page updating itself to "Chấp nhận", the email at aiosmtpd and the SMS
at the test SMSC, and the first sign-in that forces the one-time password's change.
Screenshots in var/artifacts/portal-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openivan.devsmsc import join_parts
from openivan.portal.models import Declaration
from tests.conftest import run_worker
from tests.mailserver import body_of
from tests.portal.conftest import person_form, record_of
from tests.portal.test_declaring_browser import fill, first_sign_in, shot
from tests.signer_agent.conftest import (  # noqa: F401  (fixtures)
    PIN,
    display,
    screen,
    start_agent,
    token_dir,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_signs_with_their_token_is_accepted_and_first_changes_the_password(
        page, live_server, portal, mailserver, smsc, start_agent, screen,  # noqa: F811
        settings) -> None:
    agent = start_agent(preapproved_origins=[live_server.url])
    settings.OPENIVAN_SIGNER_PORTS = [agent.port]
    record_of()  # the agency's record of the person, as declared
    page.goto(f"{live_server.url}/ca-nhan/dang-ky/")
    fill(page, person_form())
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("radio", name="Ký bằng chứng thư số").check()
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/ca-nhan/dang-ky/ky/")
    shot(page, "token-sign")
    page.get_by_role("button", name="Ký và gửi").click()
    window = screen.window("OpenIvanSign")
    screen.screenshot("portal-agent-window.png")
    screen.type(window, PIN)
    screen.key(window, "Return")
    page.wait_for_url("**/ca-nhan/tra-cuu/*/", timeout=60_000)
    made = Declaration.objects.get()
    assert made.filing == "ChungThuSo" and made.status == "received"
    expect(page.locator("#status-label")).to_have_text("Tiếp nhận")
    shot(page, "token-received")
    run_worker()  # the processing job: signature, chain and OCSP, the records → accepted
    expect(page.locator("#status-label")).to_have_text("Chấp nhận", timeout=30_000)
    shot(page, "token-accepted")
    [letter] = [body_of(m) for m in mailserver.to("an.nguyen@example.vn")]
    password = re.search(r"Mật khẩu lần đầu:\s+(\S+)", letter).group(1)  # type: ignore[union-attr]
    assert f"Mật khẩu lần đầu: {password}." in join_parts(smsc.messages_to("84912345678"))

    first_sign_in(page, live_server.url, "0123456789", password)


def _to_signing(page, live_server, **changes) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/ca-nhan/dang-ky/")
    fill(page, person_form(**changes))
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("radio", name="Ký bằng chứng thư số").check()
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/ca-nhan/dang-ky/ky/")


def test_a_declaration_not_matching_the_records_is_refused_with_the_reason(
        page, live_server, portal, mailserver, start_agent, screen, settings) -> None:  # noqa: F811
    agent = start_agent(preapproved_origins=[live_server.url])
    settings.OPENIVAN_SIGNER_PORTS = [agent.port]
    record_of(full_name="Nguyễn Văn Bình")  # the agency knows another name for this number
    _to_signing(page, live_server)
    page.get_by_role("button", name="Ký và gửi").click()
    window = screen.window("OpenIvanSign")
    screen.type(window, PIN)
    screen.key(window, "Return")
    page.wait_for_url("**/ca-nhan/tra-cuu/*/", timeout=60_000)
    run_worker()
    expect(page.locator("#status-label")).to_have_text("Không chấp nhận", timeout=30_000)
    expect(page.locator("#reasons")).to_contain_text("Họ")
    shot(page, "token-rejected")


def test_no_certificate_of_the_declared_person_on_the_token_is_said_before_any_pin(
        page, live_server, start_agent, screen, settings) -> None:  # noqa: F811
    agent = start_agent(preapproved_origins=[live_server.url])
    settings.OPENIVAN_SIGNER_PORTS = [agent.port]
    _to_signing(page, live_server, id_number="001090000002")  # not the token's CCCD
    page.get_by_role("button", name="Ký và gửi").click()
    expect(page.locator("#sign-error")).to_contain_text("TOKEN_CERT_ABSENT")
    expect(page.locator("#sign-error")).to_contain_text("001090000002")
    assert not screen.shown("OpenIvanSign")
    assert not Declaration.objects.exists()
    shot(page, "token-absent")
