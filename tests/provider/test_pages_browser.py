"""The provider's pages in a real browser: a unit signs in with its tax code, edits its
profile, sees its certificates and history; a firm switches between its units; nobody sees
a unit that is not theirs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openivan.agency.services import activation
from openivan.devpki import DevPKI
from openivan.provider.models import TransactionKind, Unit
from openivan.provider.services import accounts, certificates, sending, transactions, units
from tests.conftest import run_worker
from tests.mailserver import activation_link, confirmation_code
from tests.provider.screens import shot

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Mat-khau-don-vi-2026"


def _sign_in(page, live_server, login: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/ivan/dang-nhap/")
    page.get_by_label("Mã số thuế (hoặc tài khoản của công ty dịch vụ)").fill(login)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()  # the next page, not the login form being left


@pytest.fixture
def own_account(unit: Unit, accountant):  # type: ignore[no-untyped-def]
    return accounts.create_account(unit.tax_code, PASSWORD, [unit], accountant)


def test_a_unit_signs_in_with_its_tax_code_and_edits_its_profile(page, live_server, unit,
                                                                 own_account) -> None:
    _sign_in(page, live_server, unit.tax_code)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thông tin đơn vị", use_inner_text=True)
    # The header names the account as the unit typed it, not as it is stored ("ivan:…").
    account = page.get_by_role("banner").get_by_title("Tài khoản của tôi")
    expect(account).to_have_text(unit.tax_code, use_inner_text=True)
    account.click()
    expect(page.locator("main dl")).to_contain_text(unit.tax_code, use_inner_text=True)
    assert "ivan:" not in page.content()
    page.go_back()
    expect(page.locator("#tax-code")).to_have_text(unit.tax_code, use_inner_text=True)
    phone = page.get_by_label("Điện thoại")
    phone.fill("0123")
    page.get_by_role("button", name="Lưu").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Điện thoại", use_inner_text=True)
    assert phone.get_attribute("aria-invalid") == "true"
    summary.get_by_role("link").first.click()
    assert phone.evaluate("e => e === document.activeElement")
    shot(page, "unit-profile-error")
    phone.fill("0987 654 321")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Đã lưu thông tin đơn vị", use_inner_text=True)
    unit.refresh_from_db()
    assert unit.phone == "0987654321"


def test_a_wrong_password_is_said_in_our_words(page, live_server, unit, own_account) -> None:
    page.goto(f"{live_server.url}/ivan/dang-nhap/")
    page.get_by_label("Mã số thuế (hoặc tài khoản của công ty dịch vụ)").fill(unit.tax_code)
    page.get_by_label("Mật khẩu").fill("sai")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_be_visible()
    shot(page, "login-refused")
    assert page.get_by_label("Mã số thuế (hoặc tài khoản của công ty dịch vụ)").input_value() \
        == unit.tax_code


def test_the_agencys_account_of_the_same_unit_does_not_open_the_providers_pages(
        page, live_server, unit) -> None:
    from django.contrib.auth import get_user_model
    get_user_model().objects.create_user(unit.tax_code, password=PASSWORD)  # the agency's
    _sign_in(page, live_server, unit.tax_code)
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto(f"{live_server.url}/ivan/don-vi/{unit.tax_code}/")
    assert "/ivan/dang-nhap/" in page.url


def test_a_firm_switches_between_its_units_and_sees_each_ones_data(
        page, live_server, unit, accountant, pki: DevPKI) -> None:
    other = units.create_unit("0100047516", "CÔNG TY CỔ PHẦN THỬ NGHIỆM", accountant,
                              email="ketoan@thunghiem.vn")
    certificates.add_file_certificate(other, pki.certificate("unit2"), accountant)
    transactions.save_draft(other, TransactionKind.STOP, {"reason": "Giải thể"}, accountant)
    accounts.create_account("ketoan.abc", PASSWORD, [unit, other], accountant)
    _sign_in(page, live_server, "ketoan.abc")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chọn đơn vị", use_inner_text=True)
    shot(page, "choose-unit")
    page.get_by_role("link", name=unit.name).click()
    page.get_by_role("link", name="Chứng thư số").click()
    expect(page.locator("#certificates")).to_contain_text("MST:0101300842", use_inner_text=True)
    page.wait_for_load_state("domcontentloaded")  # the switch's deferred script has run
    with page.expect_navigation():
        page.get_by_label("Chuyển đơn vị").select_option("0100047516")
    assert page.url.endswith("/ivan/don-vi/0100047516/chung-thu-so/")
    expect(page.locator("#certificates")).to_contain_text("MST:0100047516", use_inner_text=True)
    assert "MST:0101300842" not in page.locator("#certificates").inner_text()
    shot(page, "certificates-switched")
    page.get_by_role("link", name="Lịch sử GD").click()
    expect(page.locator("#transactions")).to_contain_text(
        "Ngưng IVAN (06/NG-IVAN)", use_inner_text=True)
    expect(page.locator("#transactions")).to_contain_text("Đã lưu", use_inner_text=True)


def test_a_unit_not_given_to_the_account_is_not_found(page, live_server, unit, own_account,
                                                      accountant) -> None:
    units.create_unit("0100047516", "CÔNG TY CỔ PHẦN THỬ NGHIỆM", accountant)
    _sign_in(page, live_server, unit.tax_code)
    response = page.goto(f"{live_server.url}/ivan/don-vi/0100047516/lich-su/")
    assert response.status == 404
    assert page.get_by_role("alert").get_attribute("data-code") == "PAGE_NOT_FOUND"


def test_history_opens_a_transaction_looks_it_up_reloads_it_and_exports_it(
        page, live_server, unit, accountant, own_account, pki: DevPKI, client, mailserver,
        tmp_path) -> None:
    """Lịch sử GD › "+": the detail, "Tra cứu" (the agency's steps), the unit confirms its
    code, "Tải lại": "Chấp nhận (Thành công)"; the signed dossier and each answer download
    byte for byte; "Kết xuất" gives the list as CSV."""
    draft = transactions.save_draft(unit, TransactionKind.REGISTER,
                                    {"certificate": unit.certificates.get().pk}, accountant)
    transactions.sign_with_key(unit, draft.pk, pki.pkcs12_key("unit"), accountant)
    tx = sending.send(sending.queue(draft.pk).pk, client)
    _sign_in(page, live_server, unit.tax_code)
    page.get_by_role("navigation", name="Đơn vị").get_by_role("link", name="Lịch sử GD").click()
    page.get_by_role("link", name="Chi tiết giao dịch").first.click()
    expect(page.locator("#tx-status")).to_have_text("BHXH đã tiếp nhận", use_inner_text=True)
    expect(page.locator("#tx-number")).to_have_text(tx.agency_number, use_inner_text=True)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#steps")).to_contain_text("Tiếp nhận", use_inner_text=True)
    shot(page, "transaction-steps")
    run_worker()
    [email] = mailserver.messages
    activation.activate(activation_link(email).rsplit("/", 1)[1], confirmation_code(email),
                        reissue_password=False)
    page.get_by_role("button", name="Tải lại").click()
    expect(page.locator("#tx-result")).to_have_text("Chấp nhận (Thành công)")
    with page.expect_download() as sent:
        page.get_by_role("link", name="Hồ sơ đã ký, như đã gửi").click()
    sent.value.save_as(tmp_path / "sent.xml")
    tx.refresh_from_db()
    assert (tmp_path / "sent.xml").read_bytes() == bytes(tx.signed_xml)
    with page.expect_download() as decision:
        page.get_by_role("link", name="Phản hồi kết quả: Chấp nhận").click()
    decision.value.save_as(tmp_path / "decision.xml")
    assert (tmp_path / "decision.xml").read_bytes() == bytes(
        tx.answers.get(kind="decision").signed_xml)
    page.get_by_role("link", name="‹ Lịch sử GD").click()
    shot(page, "history-accepted")
    with page.expect_download() as listed:
        page.get_by_role("link", name="Kết xuất (CSV)").click()
    listed.value.save_as(tmp_path / "list.csv")
    text = (tmp_path / "list.csv").read_text(encoding="utf-8-sig")
    assert tx.agency_number in text and "Chấp nhận (Thành công)" in text
