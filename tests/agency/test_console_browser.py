"""The officers' console in a real browser: an officer signs in, finds the overdue dossier
highlighted in the queue, and accepts or rejects it with the console's own buttons."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from openivan.agency import services
from openivan.agency.models import Dossier, DossierStatus, UnitRegistration
from openivan.core import totp
from openivan.devpki import samples
from tests.agency.test_console import new_unit_dossier
from tests.mailserver import body_of
from tests.staff import app_set_up_a_step_ago, new_officer, password_in_browser

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_in(page, live_server):  # type: ignore[no-untyped-def]
    """The officer's browser, signed in through the portal's sign-in page and the code of the
    officer's authenticator app (set up half a minute ago)."""
    secret = app_set_up_a_step_ago(new_officer())
    password_in_browser(page, f"{live_server.url}/co-quan/ho-so/")
    page.get_by_label("Mã xác thực hoặc mã dự phòng").fill(
        totp.code_at(secret, totp.time_step(time.time())))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/co-quan/ho-so/")
    return page


@pytest.fixture
def waiting(provider, envelope, mailserver) -> Dossier:  # type: ignore[no-untyped-def]
    """A dossier of a unit without a unit code, activated, waiting for an officer."""
    return new_unit_dossier(provider, envelope, mailserver)


def test_officer_finds_the_overdue_dossier_and_accepts_it(waiting, signed_in, live_server):
    Dossier.objects.filter(pk=waiting.pk).update(
        decision_deadline=timezone.now() - timedelta(minutes=1))
    page = signed_in
    page.reload()
    row = page.get_by_role("row").filter(has_text=waiting.number)
    expect(row).to_contain_text("quá hạn", use_inner_text=True)
    # highlighted for the eye, not only marked in the markup
    assert row.evaluate("r => getComputedStyle(r).backgroundColor") == "rgb(253, 240, 240)"
    row.get_by_role("link", name=waiting.number).click()
    page.get_by_label("Mã đơn vị cấp mới").fill("ta9999z")
    page.get_by_role("button", name="Chấp nhận").click()
    page.get_by_role("button", name="Xác nhận chấp nhận").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã chấp nhận hồ sơ {waiting.number}.", use_inner_text=True)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.unit_code) == (DossierStatus.ACCEPTED, "TA9999Z")
    assert UnitRegistration.objects.get().unit_code == "TA9999Z"


def test_officer_rejects_with_a_reason_the_browser_asks_for(waiting, signed_in):
    page = signed_in
    page.get_by_role("link", name=waiting.number).click()
    page.get_by_role("button", name="Từ chối").click()  # no reason yet: the form holds it
    assert page.get_by_label("Lý do từ chối").evaluate("e => e.validity.valueMissing")
    waiting.refresh_from_db()
    assert waiting.status == DossierStatus.NEEDS_REVIEW
    page.get_by_label("Lý do từ chối").fill("Giấy phép không khớp với đăng ký kinh doanh")
    page.get_by_role("button", name="Từ chối").click()
    page.get_by_role("button", name="Xác nhận từ chối").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã từ chối hồ sơ {waiting.number}.", use_inner_text=True)
    waiting.refresh_from_db()
    assert waiting.status == DossierStatus.REJECTED
    assert waiting.decision_reason == "Giấy phép không khớp với đăng ký kinh doanh"


def test_unit_without_a_code_is_accepted_only_with_a_valid_one_and_after_confirming(
        waiting, signed_in):
    """The unit was queued because it has no unit code: the field says the format, the
    browser and the server refuse an empty or malformed code beside the field, the decision
    asks to be confirmed, and once accepted the status no longer says "no unit code"."""
    page = signed_in
    page.get_by_role("link", name=waiting.number).click()
    field = page.get_by_label("Mã đơn vị cấp mới")
    assert "1–10 chữ cái in hoa hoặc chữ số" in page.locator(
        "#" + field.get_attribute("aria-describedby").split()[-1]).inner_text()
    page.get_by_role("button", name="Chấp nhận").click()  # empty: the form holds it
    assert field.evaluate("e => e.validity.valueMissing")
    field.evaluate("e => { e.removeAttribute('required'); e.removeAttribute('pattern'); }")
    field.fill("TA-99")  # past the browser's check, the server refuses it beside the field
    page.get_by_role("button", name="Chấp nhận").click()
    field = page.get_by_label("Mã đơn vị cấp mới")
    error = page.get_by_role("alert")
    expect(error).to_contain_text(
        "Mã đơn vị gồm 1–10 chữ cái in hoa hoặc chữ số", use_inner_text=True)
    assert error.get_attribute("id") in field.get_attribute("aria-describedby").split()
    assert field.input_value() == "TA-99"
    waiting.refresh_from_db()
    assert waiting.status == DossierStatus.NEEDS_REVIEW
    field.fill("ta9999")
    page.get_by_role("button", name="Chấp nhận").click()
    question = page.get_by_role("region", name="Xác nhận quyết định").inner_text()
    assert waiting.number in question and "TA9999" in question
    waiting.refresh_from_db()
    assert waiting.status == DossierStatus.NEEDS_REVIEW  # nothing yet
    page.get_by_role("button", name="Xác nhận chấp nhận").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Đã chấp nhận hồ sơ {waiting.number}.", use_inner_text=True)
    status = page.locator("dt", has_text="Trạng thái").locator("xpath=following-sibling::dd[1]")
    assert status.inner_text().startswith("Chấp nhận")
    assert "chưa có mã đơn vị" not in status.inner_text()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.unit_code) == (DossierStatus.ACCEPTED, "TA9999")


def test_officer_finds_a_unit_in_the_registry_typing_without_accents(waiting, signed_in):
    page = signed_in
    services.accept(waiting.number, User.objects.get(username="canbo01"), unit_code="TA9999")
    page.get_by_role("navigation", name="Trang cán bộ BHXH").get_by_role(
        "link", name="Danh bạ đơn vị").click()
    page.get_by_label("Tìm kiếm (mã số thuế, mã đơn vị, tên đơn vị)").fill("giai phap mo")
    page.get_by_role("button", name="Tìm", exact=True).click()
    row = page.get_by_role("row").filter(has_text="TA9999")
    expect(row).to_contain_text("CÔNG TY TNHH GIẢI PHÁP MỞ", use_inner_text=True)
    row.get_by_role("link", name=samples.UNIT_TAX_CODE).click()
    page.wait_for_url(f"**/co-quan/don-vi/{samples.UNIT_TAX_CODE}/")
    assert waiting.number in page.content()



@pytest.mark.parametrize(("path", "accepted"), [
    ("/co-quan/ho-so/", False), ("/co-quan/ho-so/{number}/", False),
    ("/co-quan/don-vi/", True), ("/co-quan/don-vi/{tax_code}/", True)],
    ids=["queue", "dossier", "registry", "unit"])
def test_console_pages_fit_a_phone_screen(waiting, signed_in, live_server, path, accepted):
    """At a phone's width no page scrolls sideways: the queue's columns and a certificate's
    unbroken subject once widened it past the header."""
    if accepted:  # the registry lists the unit, its page its certificates
        services.accept(waiting.number, User.objects.get(username="canbo01"), unit_code="TA9999")
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + path.format(number=waiting.number,
                                            tax_code=waiting.unit_tax_code))
    assert page.get_by_role("table").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_registry_keeps_one_code_and_one_row_per_certificate_and_a_second_04_says_so(
        provider, envelope, mailserver, signed_in, live_server, settings):
    """04 (certificate 1001), 05 (1A2B), then 04 again with 1001: the unit's page shows one
    unit code and each certificate once; the second 04's activation page and its dossier page
    say the unit is already registered with that provider."""
    from tests.agency.test_activation import activate, send
    from tests.mailserver import activation_link, confirmation_code

    settings.OPENIVAN_PUBLIC_URL = live_server.url
    for declaration in (samples.registration(), samples.change()):
        _, email = send(provider, envelope, mailserver, declaration)
        assert activate(activation_link(email), confirmation_code(email)).status_code == 200
    again, email = send(provider, envelope, mailserver, samples.registration())
    page = signed_in
    page.goto(activation_link(email))
    assert "đã đăng ký giao dịch điện tử qua tổ chức I-VAN MỞ từ ngày" in page.locator(
        "#already-registered").inner_text()
    page.goto(f"{live_server.url}/co-quan/ho-so/{again.number}/")
    expect(page.locator("#already-registered")).to_contain_text(
        "đã đăng ký qua tổ chức I-VAN", use_inner_text=True)
    assert activate(activation_link(email), confirmation_code(email)).status_code == 200
    page.goto(f"{live_server.url}/co-quan/don-vi/{samples.UNIT_TAX_CODE}/")
    serials = page.locator("section.box table tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(serials) == ["1001", "1A2B"]
    assert page.get_by_text("TA1234").count() >= 1


def test_locked_code_is_marked_and_the_officer_issues_a_new_one(
        provider, envelope, mailserver, signed_in, live_server, settings):
    """A 05 whose code the unit got wrong 5 times: the lock message speaks of the change (not
    "đăng ký lại"); the console marks the lock and offers "Cấp mã xác nhận mới" (audited, a
    fresh email, the old link gone); the new code completes it, and the end pages lead to
    the sign-in, an already used link as a notice, not as an error."""
    from openivan.platform.models import AuditEvent
    from tests.agency.test_activation import activate, send
    from tests.conftest import run_worker
    from tests.mailserver import activation_link, confirmation_code

    settings.OPENIVAN_PUBLIC_URL = live_server.url
    _, email = send(provider, envelope, mailserver, samples.registration())
    assert activate(activation_link(email), confirmation_code(email)).status_code == 200
    change, email = send(provider, envelope, mailserver, samples.change())
    old_link = activation_link(email)
    page = signed_in
    page.goto(old_link)
    for answer in ("Còn 4 lần thử", "Còn 3 lần thử", "Còn 2 lần thử", "Còn 1 lần thử",
                   "mã bị khoá"):  # each answer awaited: the next try is on the new page
        page.get_by_label("Mã xác nhận").fill("ACDEFGHJKM")
        page.get_by_role("button", name="Gửi mã xác nhận").click()
        expect(page.get_by_role("alert")).to_contain_text(answer, use_inner_text=True)
    lock = page.get_by_role("alert").inner_text()
    assert "mã bị khoá" in lock and "05/SĐ-IVAN" in lock and "đăng ký lại" not in lock

    page.goto(f"{live_server.url}/co-quan/ho-so/?queue=waiting")
    expect(page.get_by_role("row").filter(has_text=change.number)).to_contain_text(
        "mã bị khoá", use_inner_text=True)
    page.get_by_role("link", name=change.number).click()
    page.get_by_role("button", name="Cấp mã xác nhận mới").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Mã xác nhận mới đang được gửi", use_inner_text=True)
    assert AuditEvent.objects.filter(action="activation.reissued", actor="user:canbo01",
                                     target=f"dossier:{change.number}").exists()
    mailserver.messages.clear()
    run_worker()
    [fresh] = [m for m in mailserver.messages if change.number in body_of(m)]
    assert activation_link(fresh) != old_link
    page.goto(old_link)
    assert page.get_by_role("alert").get_attribute("data-code") == "ACTIVATION_NOT_FOUND"
    page.goto(activation_link(fresh))
    page.get_by_label("Mã xác nhận").fill(confirmation_code(fresh))
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    done = page.get_by_role("status").filter(has_text="Hoàn tất thủ tục thành công")
    expect(done.get_by_role("link", name="Đăng nhập cổng giao dịch điện tử")).to_be_visible()
    page.goto(activation_link(fresh))  # opened again later
    used = page.get_by_role("status").filter(has_text="đã được xác nhận")
    assert "notice" in used.get_attribute("class").split()
    assert page.get_by_role("alert").count() == 0
    used.get_by_role("link", name="Đăng nhập cổng giao dịch điện tử").click()
    page.wait_for_url("**/tai-khoan/dang-nhap/**")


def test_officer_reads_names_not_codes_and_has_the_audit_log_in_the_console(
        waiting, signed_in, live_server):
    """Steps and answers by their Vietnamese names (the code in small print, never broken
    mid-word), errors without a code prefix, and "Nhật ký kiểm toán" a console page of its
    own, filtered by who, what, on what and when, fitting a 1280 px screen."""
    from django.contrib.auth.models import Permission

    officer = User.objects.get(username="canbo01")
    officer.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    page = signed_in
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/co-quan/ho-so/{waiting.number}/")
    received = page.get_by_role("row").filter(has_text="TIEP_NHAN").first
    expect(received).to_contain_text("Tiếp nhận", use_inner_text=True)
    code = received.locator("small.code")
    expect(code).to_have_text("TIEP_NHAN", use_inner_text=True)
    assert code.evaluate("e => e.getClientRects().length") == 1  # on one line
    answers = page.get_by_role("listitem").filter(has_text="Phản hồi kỹ thuật")
    expect(answers).to_contain_text("Chấp nhận xử lý", use_inner_text=True)
    field = page.get_by_label("Mã đơn vị cấp mới")
    field.evaluate("e => { e.removeAttribute('required'); e.removeAttribute('pattern'); }")
    field.fill("TA-99")
    page.get_by_role("button", name="Chấp nhận").click()
    assert not page.get_by_role("alert").inner_text().startswith("UNIT_CODE_FORMAT")

    page.get_by_label("Lý do từ chối").fill("Sai thông tin")
    page.get_by_role("button", name="Từ chối").click()
    page.get_by_role("button", name="Xác nhận từ chối").click()
    page.get_by_role("navigation", name="Trang cán bộ BHXH").get_by_role(
        "link", name="Nhật ký kiểm toán").click()
    page.wait_for_url("**/co-quan/nhat-ky/")
    assert "Trang quản trị" not in page.content()
    page.get_by_label("Thao tác").select_option(label="Từ chối hồ sơ")
    page.get_by_label("Đối tượng").fill(waiting.number)
    page.get_by_label("Từ ngày").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Lọc").click()
    rows = page.locator("#audit tbody tr")
    expect(rows).to_have_count(1)  # waits for the filtered page, which may still be loading
    assert "Từ chối hồ sơ" in rows.inner_text() and "canbo01" in rows.inner_text()
    headers = page.locator("#audit thead th").all_inner_texts()
    assert headers == ["Thời gian", "Người thực hiện", "Thao tác", "Đối tượng", "Chi tiết"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.get_by_label("Thao tác").select_option(label="Đăng nhập")
    page.get_by_label("Đối tượng").fill("")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#audit tbody tr").first).to_contain_text("Đăng nhập", use_inner_text=True)


PORTAL = "Cổng thông tin điện tử Bảo hiểm xã hội Việt Nam"
CONSOLE = "Trang cán bộ BHXH"


def test_each_role_has_one_name_in_every_header_and_emails_do_not_double_words(
        page, provider, envelope, mailserver, live_server, settings):
    """The unit's pages (activation, sign-in, an unknown address) carry the portal's name,
    the officers' pages the console's; the email names "tổ chức I-VAN MỞ", once."""
    from tests.agency.test_activation import send
    from tests.mailserver import activation_link
    from tests.staff import password_in_browser

    settings.OPENIVAN_PUBLIC_URL = live_server.url
    _, email = send(provider, envelope, mailserver, samples.registration())
    assert "qua tổ chức I-VAN MỞ." in body_of(email)
    assert "I-VAN I-VAN" not in body_of(email)
    brand = page.locator("header .brand")
    for url in (activation_link(email), f"{live_server.url}/tai-khoan/dang-nhap/",
                f"{live_server.url}/khong-co-trang-nay/"):
        page.goto(url)
        assert brand.inner_text() == PORTAL, url
    secret = app_set_up_a_step_ago(new_officer())
    password_in_browser(page, f"{live_server.url}/co-quan/ho-so/")
    page.get_by_label("Mã xác thực hoặc mã dự phòng").fill(
        totp.code_at(secret, totp.time_step(time.time())))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url("**/co-quan/ho-so/")
    for path in ("/co-quan/ho-so/", "/co-quan/don-vi/",
                 f"/co-quan/ho-so/{Dossier.objects.get().number}/"):
        page.goto(live_server.url + path)
        assert brand.inner_text() == CONSOLE, path


def test_expired_code_waits_for_a_new_one_until_the_deadline_and_the_page_shows_next_steps(
        provider, envelope, mailserver, signed_in, live_server, settings):
    """Issue 28 (a): a code that ran out unused no longer ends the dossier at the next sweep.
    The dossier waits, marked, until its decision deadline; its page draws the possible next
    steps from the dossier's state table and offers "Cấp mã xác nhận mới" (audited, a fresh
    email), whose code completes the procedure."""
    from openivan.agency.models import Activation
    from openivan.platform.models import AuditEvent
    from tests.agency.test_activation import send
    from tests.conftest import run_worker
    from tests.mailserver import activation_link, confirmation_code

    settings.OPENIVAN_PUBLIC_URL = live_server.url
    dossier, _ = send(provider, envelope, mailserver, samples.registration())
    Activation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    run_worker()  # the sweeps run: the code has expired, the deadline is days away
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.CODE_EXPIRED
    assert not dossier.answers.filter(kind="decision").exists()  # nothing refused yet

    page = signed_in
    page.goto(f"{live_server.url}/co-quan/ho-so/?queue=waiting")
    row = page.get_by_role("row").filter(has_text=dossier.number)
    expect(row).to_contain_text("Mã hết hạn, chờ cấp mã mới", use_inner_text=True)
    row.get_by_role("link", name=dossier.number).click()
    code_box = page.get_by_role("region", name="Mã xác nhận")
    expect(code_box).to_contain_text("mã hết hiệu lực", use_inner_text=True)
    expect(code_box).to_contain_text("hồ sơ kết thúc và bị từ chối", use_inner_text=True)
    next_steps = page.get_by_role("region", name="Các bước tiếp theo có thể")
    assert next_steps.get_by_role("listitem").all_inner_texts() == [
        "Chờ xác nhận", "Hết hạn xác nhận"]

    page.get_by_role("button", name="Cấp mã xác nhận mới").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Mã xác nhận mới đang được gửi", use_inner_text=True)
    assert AuditEvent.objects.filter(action="activation.reissued", actor="user:canbo01",
                                     target=f"dossier:{dossier.number}").exists()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.AWAITING_ACTIVATION
    assert page.get_by_role("region", name="Các bước tiếp theo có thể").get_by_role(
        "listitem").all_inner_texts() == ["Chờ cán bộ xử lý", "Chấp nhận", "Từ chối",
                                          "Mã hết hạn, chờ cấp mã mới"]
    mailserver.messages.clear()
    run_worker()
    [fresh] = [m for m in mailserver.messages if dossier.number in body_of(m)]
    page.goto(activation_link(fresh))
    page.get_by_label("Mã xác nhận").fill(confirmation_code(fresh))
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    expect(page.get_by_role("status")).to_contain_text("Hoàn tất thủ tục thành công")
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.ACCEPTED
    page.goto(f"{live_server.url}/co-quan/ho-so/{dossier.number}/")
    assert "Không có: hồ sơ đã kết thúc." in page.get_by_role(
        "region", name="Các bước tiếp theo có thể").inner_text()
