"""The declaration screens in a real browser against the real agency in the same test server:
Đăng ký IVAN prefilled, "Lưu" keeps a draft, "Ký và gửi BH" signs with the certificate's file
and sends, the agency's email and code, "Tải lại" reads "Chấp nhận (Thành công)"; then the
toolbar offers Điều chỉnh and Ngưng; each bad input said beside its field."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openivan.agency import services as agency_services
from openivan.agency.models import Dossier, UnitRegistration
from openivan.agency.services import activation
from openivan.devpki import DevPKI, samples
from openivan.provider.models import Transaction, Unit
from openivan.provider.models import TransactionStatus as S
from openivan.provider.services import accounts, certificates, units
from tests.conftest import CSC_ACCOUNT, CSC_PASSWORD, run_worker
from tests.mailserver import activation_link, confirmation_code
from tests.provider.screens import shot
from tests.provider.test_pages_browser import PASSWORD, _sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keyed_unit(bare_unit: Unit, accountant, pki: DevPKI) -> Unit:  # type: ignore[no-untyped-def]
    """The demo unit with its certificate and the certificate's PKCS#12 file (the server signs)."""
    certificates.add_file_certificate(bare_unit, pki.certificate("unit"), accountant,
                                      pkcs12=pki.pkcs12("unit", "unit-pw"), password="unit-pw")
    accounts.create_account(bare_unit.tax_code, PASSWORD, [bare_unit], accountant)
    return bare_unit


def _sent(page) -> None:  # type: ignore[no-untyped-def]
    """The worker signs (HSM) and sends; the page, refreshing itself, reads the reception."""
    # Polled, not awaited as one navigation: a double click's second submission aborts the
    # first one's navigation (net::ERR_ABORTED), and the page shows the second's answer.
    expect(page).to_have_url(re.compile(r"/giao-dich/\d+/$"), timeout=60_000)
    run_worker()
    expect(page.locator("#tx-status")).to_have_text("BHXH đã tiếp nhận", timeout=30_000)


def _activate(mailserver) -> None:  # type: ignore[no-untyped-def]
    run_worker()  # the agency's email "Xác nhận …"
    email = mailserver.messages[-1]
    activation.activate(activation_link(email).rsplit("/", 1)[1], confirmation_code(email),
                        reissue_password=False)


def test_a_unit_registers_signs_and_sends_and_reads_the_acceptance(
        page, live_server, keyed_unit, connected, mailserver) -> None:
    _sign_in(page, live_server, keyed_unit.tax_code)
    toolbar = page.get_by_role("list", name="Thao tác")
    assert toolbar.get_by_role("link", name="Điều chỉnh IVAN").count() == 0
    shot(page, "unit")
    toolbar.get_by_role("link", name="Đăng ký IVAN").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^Đăng ký IVAN"), use_inner_text=True)
    shot(page, "declaration-register")
    chosen = page.get_by_label("Chứng thư số dùng để giao dịch")
    assert chosen.input_value() == str(keyed_unit.certificates.get().pk)
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã lưu bản khai", use_inner_text=True)
    draft = Transaction.objects.get()
    assert draft.status == S.DRAFT
    page.get_by_role("button", name="Ký và gửi BH").click()
    expect(page.locator("#tx-status")).to_have_text("Đang gửi")
    _sent(page)
    expect(page.locator("#check-email")).to_contain_text("Xác nhận", use_inner_text=True)
    shot(page, "transaction-sent")
    _activate(mailserver)
    page.get_by_role("button", name="Tải lại").click()
    expect(page.locator("#tx-result")).to_have_text("Chấp nhận (Thành công)", use_inner_text=True)
    shot(page, "transaction-accepted")
    assert Transaction.objects.count() == 1
    page.get_by_role("link", name="Thông tin đơn vị").click()
    toolbar = page.get_by_role("list", name="Thao tác")
    expect(toolbar.get_by_role("link", name="Điều chỉnh IVAN")).to_have_count(1)
    assert toolbar.get_by_role("link", name="Đăng ký IVAN").count() == 0
    toolbar.get_by_role("link", name="Ngưng IVAN", exact=True).click()
    page.get_by_label("Ngừng từ ngày").fill((timezone.localdate() - timedelta(days=2)).isoformat())
    page.get_by_label("Lý do").fill("Đổi nhà cung cấp")
    page.get_by_role("button", name="Ký và gửi BH").click()
    expect(page.locator("#error-summary")).to_contain_text("STOP_DATE_PAST", use_inner_text=True)
    shot(page, "declaration-stop-error")
    page.get_by_label("Ngừng từ ngày").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Ký và gửi BH").click()
    _sent(page)
    assert Transaction.objects.filter(kind="stop").get().status == S.RECEIVED


def test_a_missing_profile_field_is_named_and_nothing_is_signed(
        page, live_server, keyed_unit, connected) -> None:
    units.update_profile(keyed_unit, {"managing_agency": ""}, None)
    _sign_in(page, live_server, keyed_unit.tax_code)
    page.get_by_role("link", name="Đăng ký IVAN").click()
    page.get_by_role("button", name="Ký và gửi BH").click()
    expect(page.locator("#profile-missing")).to_contain_text(
        "Cơ quan BHXH quản lý", use_inner_text=True)
    shot(page, "declaration-profile-missing")
    assert Transaction.objects.get().status == S.DRAFT


def test_a_double_click_on_sign_and_send_makes_one_transaction(
        page, live_server, keyed_unit, connected) -> None:
    _sign_in(page, live_server, keyed_unit.tax_code)
    page.get_by_role("link", name="Đăng ký IVAN").click()
    page.get_by_role("button", name="Ký và gửi BH").dblclick()
    _sent(page)
    assert Transaction.objects.count() == 1


def test_a_new_hsm_certificate_is_activated_by_a_change(
        page, live_server, keyed_unit, connected, csc_server, mailserver) -> None:
    """Chứng thư số › Thêm mới › HSM (Lấy dữ liệu chứng thư, pick, Xác nhận), then Kích hoạt:
    a notice, Điều chỉnh IVAN with that certificate chosen, signed by the HSM, accepted: the
    new certificate is in use, the old one replaced."""
    _sign_in(page, live_server, keyed_unit.tax_code)
    page.get_by_role("link", name="Đăng ký IVAN").click()
    page.get_by_role("button", name="Ký và gửi BH").click()
    _sent(page)
    _activate(mailserver)
    page.get_by_role("button", name="Tải lại").click()
    expect(page.locator("#tx-result")).to_have_text("Chấp nhận (Thành công)")
    page.get_by_role("navigation", name="Đơn vị").get_by_role("link", name="Chứng thư số").click()
    page.get_by_role("link", name="Thêm mới").click()
    page.get_by_label("Tích chọn hình thức HSM").check()
    page.get_by_role("button", name="Tiếp tục").click()
    shot(page, "certificate-hsm")
    page.get_by_label("Địa chỉ dịch vụ ký số").fill(csc_server)
    page.get_by_label("Tài khoản").fill(CSC_ACCOUNT)
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Lấy dữ liệu chứng thư").click()
    expect(page.locator("#error-summary")).to_contain_text("CSC_AUTH_FAILED", use_inner_text=True)
    page.get_by_label("Mật khẩu").fill(CSC_PASSWORD)
    page.get_by_role("button", name="Lấy dữ liệu chứng thư").click()
    offered = page.locator("#offered")
    expect(offered).to_contain_text(
        "MST_MISMATCH", use_inner_text=True)  # another unit's, not choosable
    choosable = page.locator("#offered input[type=radio]:not([disabled])")
    expect(choosable).to_have_count(1)  # the renewed certificate only: "unit" is listed already
    choosable.check()
    shot(page, "certificate-hsm-offered")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Đã thêm chứng thư số", use_inner_text=True)
    expect(page.locator("#certificates")).to_contain_text("Chờ kích hoạt", use_inner_text=True)
    shot(page, "certificates-pending")
    page.get_by_role("link", name="Kích hoạt").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Kích hoạt chứng thư số", use_inner_text=True)
    shot(page, "certificate-activate")
    page.get_by_role("link", name="Điều chỉnh IVAN").click()
    added = keyed_unit.certificates.get(source="hsm")
    assert page.get_by_label("Chứng thư số dùng để giao dịch").input_value() == str(added.pk)
    expect(page.locator("main")).to_contain_text(
        "Thông tin chữ ký số đã đăng ký", use_inner_text=True)
    shot(page, "declaration-change")
    page.get_by_role("button", name="Ký và gửi BH").click()
    expect(page.locator("#tx-status")).to_have_text("Đang chờ ký")  # the HSM, in the worker
    shot(page, "transaction-hsm-waiting")
    _sent(page)
    _activate(mailserver)
    page.get_by_role("button", name="Tải lại").click()
    expect(page.locator("#tx-result")).to_have_text("Chấp nhận (Thành công)", use_inner_text=True)
    page.get_by_role("navigation", name="Đơn vị").get_by_role("link", name="Lịch sử GD").click()
    change = page.locator("#transactions tr", has_text="Điều chỉnh IVAN")
    expect(change).to_contain_text("Chấp nhận (Thành công)", use_inner_text=True)
    shot(page, "history")
    statuses = dict(keyed_unit.certificates.values_list("source", "status"))
    assert statuses == {"hsm": "in_use", "file": "replaced"}


def test_a_unit_stops_with_another_provider_chosen_from_the_agencys_list(
        page, live_server, keyed_unit, connected, mailserver) -> None:
    """Ngưng IVAN khác: the unit, registered with us, also transacts through another provider;
    it picks that one (MaIVAN and name) from the agency's list (ours is not offered), the stop
    date and the reason, Lưu, Ký và gửi BH; the agency accepts and ends that registration."""
    _sign_in(page, live_server, keyed_unit.tax_code)
    page.get_by_role("link", name="Đăng ký IVAN").click()
    page.get_by_role("button", name="Ký và gửi BH").click()
    _sent(page)
    _activate(mailserver)
    other, _ = agency_services.register_provider("00041", "I-VAN KHÁC", "0100047516")
    UnitRegistration.objects.create(
        tax_code=keyed_unit.tax_code, name=keyed_unit.name, email=keyed_unit.email,
        provider=other, since=timezone.localdate() - timedelta(days=400),
        dossier=Dossier.objects.get(number=Transaction.objects.get().agency_number))
    page.get_by_role("navigation", name="Đơn vị").get_by_role(
        "link", name="Thông tin đơn vị").click()
    page.get_by_role("list", name="Thao tác").get_by_role("link", name="Ngưng IVAN khác").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^Ngưng IVAN khác"), use_inner_text=True)
    chooser = page.get_by_label("Tổ chức I-VAN khác")
    offered = chooser.locator("option").all_inner_texts()
    assert "00041 — I-VAN KHÁC" in offered
    assert not any(o.startswith(f"{samples.PROVIDER.code} ") for o in offered)  # not ourselves
    page.get_by_label("Ngừng từ ngày").fill((timezone.localdate() + timedelta(days=5)).isoformat())
    page.get_by_label("Lý do").fill("Chuyển sang một nhà cung cấp")
    page.get_by_role("button", name="Ký và gửi BH").click()
    expect(page.locator("#error-summary")).to_contain_text(
        "Tổ chức I-VAN khác", use_inner_text=True)  # not chosen
    chooser.select_option(label="00041 — I-VAN KHÁC")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã lưu bản khai", use_inner_text=True)
    assert page.get_by_label("Tổ chức I-VAN khác").input_value() == "00041|I-VAN KHÁC"
    shot(page, "declaration-stop-other")
    page.get_by_role("button", name="Ký và gửi BH").click()
    _sent(page)
    _activate(mailserver)
    page.get_by_role("button", name="Tải lại").click()
    expect(page.locator("#tx-result")).to_have_text("Chấp nhận (Thành công)", use_inner_text=True)
    stop = Transaction.objects.get(kind="stop_other")
    assert (stop.form["other_code"], stop.form["other_name"]) == ("00041", "I-VAN KHÁC")
    ended = UnitRegistration.objects.get(provider=other)
    assert ended.until == timezone.localdate() + timedelta(days=5)
    ours = UnitRegistration.objects.exclude(provider=other).get()
    assert ours.until is None  # the unit's registration with us goes on
