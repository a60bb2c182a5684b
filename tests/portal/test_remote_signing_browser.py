"""Ký từ xa in Debian's Chromium: the confirmation's certificate choice, the remote signing
service's account (the CSC test service), the credentials judged for the declared person,
"Đang chờ ký" updating itself while the job signs, then the status page. Screenshots in
var/artifacts/portal-remote-*.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openivan.portal.models import Declaration
from tests.conftest import CSC_ACCOUNT, CSC_PASSWORD, run_worker
from tests.portal.conftest import person_form, record_of
from tests.portal.test_declaring_browser import fill, shot

pytestmark = pytest.mark.django_db(transaction=True)


def to_remote_signing(page, base: str, service: str,  # type: ignore[no-untyped-def]
                      password: str) -> None:
    """The declaration typed and confirmed for remote signing, the account typed in."""
    page.goto(f"{base}/ca-nhan/dang-ky/")
    fill(page, person_form())
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_role("radio", name="Ký bằng chứng thư số").check()
    page.get_by_role("radio", name="Ký từ xa (HSM / CSC)").check()
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/ca-nhan/dang-ky/ky-tu-xa/")
    page.get_by_label("Địa chỉ dịch vụ ký số từ xa").fill(service)
    page.get_by_label("Tài khoản").fill(CSC_ACCOUNT)
    page.get_by_label("Mật khẩu").fill(password)


def test_a_person_signs_remotely_and_the_page_moves_to_the_status(
        page, live_server, portal, mailserver, smsc, csc_server) -> None:
    record_of()
    to_remote_signing(page, live_server.url, csc_server, CSC_PASSWORD)
    page.get_by_role("button", name="Lấy dữ liệu chứng thư").click()
    credentials = page.locator("#remote-credentials")
    expect(credentials.get_by_role("radio")).to_have_count(1)  # only the declared person's
    expect(credentials.get_by_role("radio")).to_be_checked()
    expect(credentials).to_contain_text("NGUYỄN VĂN AN", use_inner_text=True)
    shot(page, "remote-credentials")
    credentials.get_by_role("button", name="Ký và gửi").click()
    page.wait_for_url("**/ca-nhan/dang-ky/ky-tu-xa/*/")
    expect(page.locator("#remote-state")).to_have_text("Đang chờ ký")
    shot(page, "remote-waiting")

    run_worker()  # the remote signing, then the automatic processing

    page.wait_for_url("**/ca-nhan/tra-cuu/*/", timeout=30_000)
    expect(page.locator("#status-label")).to_have_text("Chấp nhận")
    shot(page, "remote-accepted")
    assert Declaration.objects.get().status == "accepted"


def test_a_wrong_password_is_shown_with_its_code(page, live_server, portal, csc_server) -> None:
    to_remote_signing(page, live_server.url, csc_server, "sai-mat-khau")
    page.get_by_role("button", name="Lấy dữ liệu chứng thư").click()
    expect(page.locator("#remote-error")).to_contain_text("CSC_AUTH_FAILED")
    shot(page, "remote-wrong-password")
