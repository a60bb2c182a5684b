"""The activation page in a real browser: what a unit's accountant sees and clicks (seed 002)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openivan.agency import services
from openivan.agency.models import Activation, Dossier, DossierStatus
from openivan.devpki import samples
from tests.conftest import run_worker
from tests.mailserver import activation_link, body_of, confirmation_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def emailed(provider, envelope, mailserver, live_server, settings):  # type: ignore[no-untyped-def]
    settings.OPENIVAN_PUBLIC_URL = live_server.url  # links in emails point at this server
    assert provider.post(envelope()).status_code == 201
    run_worker()
    [email] = mailserver.messages
    return activation_link(email), confirmation_code(email)


def test_accountant_pastes_the_code_and_completes_the_procedure(page, emailed, tmp_path):
    link, code = emailed
    page.goto(link)
    number = Dossier.objects.get().number
    expect(page.locator("#dossier-number")).to_have_text(number, use_inner_text=True)
    page.get_by_label("Mã xác nhận").fill(f"  {code.lower()} ")  # pasted with spaces
    page.get_by_label("Yêu cầu cấp lại mật khẩu nếu đã tồn tại").check()
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    done = page.get_by_role("status")
    expect(done).to_contain_text("Hoàn tất thủ tục thành công", use_inner_text=True)
    page.screenshot(path=str(tmp_path / "activation-done.png"), full_page=True)
    if os.environ.get("OPENIVAN_SCREENSHOTS"):
        page.screenshot(path=os.environ["OPENIVAN_SCREENSHOTS"], full_page=True)
    assert Dossier.objects.get().status == DossierStatus.ACCEPTED


def test_wrong_code_is_announced_and_the_form_stays(page, emailed):
    link, _ = emailed
    page.goto(link)
    page.get_by_label("Mã xác nhận").fill("ACDEFGHJKM")
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    expect(page.get_by_role("alert")).to_contain_text("Còn 4 lần thử", use_inner_text=True)
    expect(page.get_by_label("Mã xác nhận")).to_be_visible()


def test_language_switch_gives_the_english_page(page, emailed):
    link, _ = emailed
    page.goto(link)
    with page.expect_navigation():  # the switch submits itself
        page.get_by_label("Ngôn ngữ").select_option("en")
    assert page.get_by_role("button", name="Send the confirmation code").is_visible()
    assert page.url.endswith(link.rsplit("/", 1)[1])  # back on the same page


@pytest.mark.parametrize("typed", ["abc12", "WRG77-FEQJ!"], ids=["short", "pasted-with-junk"])
def test_malformed_code_does_not_use_a_try(page, emailed, typed):
    """What cannot be a code (length, characters) is a slip, not a guess: refused, not counted;
    what was typed stays in the field, and the message, tied to it, says how many tries are left.
    The first real mistake after it still has 4 left."""
    link, _ = emailed
    page.goto(link)
    expect(page.locator("#code-help")).to_contain_text("Còn 5 lần thử", use_inner_text=True)
    field = page.get_by_label("Mã xác nhận")
    field.fill(typed)
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("không tính là một lần thử", use_inner_text=True)
    expect(alert).to_contain_text("Còn 5 lần thử", use_inner_text=True)
    assert field.input_value() == typed  # to correct, not to type again
    assert "code-error" in field.get_attribute("aria-describedby").split()
    assert field.get_attribute("aria-invalid") == "true"
    assert Activation.objects.get().failed_tries == 0
    field.fill("ACDEFGHJKM")  # well formed, wrong
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    expect(page.get_by_role("alert")).to_contain_text("Còn 4 lần thử", use_inner_text=True)


def _confirmed_registration(provider, envelope, mailserver):  # type: ignore[no-untyped-def]
    """The demo unit registered with the provider (its 04 confirmed and accepted)."""
    assert provider.post(envelope()).status_code == 201
    run_worker()
    [email] = mailserver.messages
    services.activate(activation_link(email).rsplit("/", 1)[1], confirmation_code(email),
                      reissue_password=False)
    mailserver.messages.clear()


def _emailed_for(provider, envelope, mailserver, declaration):  # type: ignore[no-untyped-def]
    assert provider.post(envelope(declaration)).status_code == 201
    run_worker()
    [email] = [m for m in mailserver.messages if "/kich-hoat/" in body_of(m)]
    mailserver.messages.clear()
    return activation_link(email), confirmation_code(email)


def test_registration_page_names_the_registration(page, emailed):
    link, _ = emailed
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Xác nhận đăng ký sử dụng dịch vụ I-VAN (04/ĐK-IVAN)")
    assert page.get_by_label("Yêu cầu cấp lại mật khẩu nếu đã tồn tại").is_visible()


def test_change_page_names_the_change_and_shows_what_changes(
        page, provider, envelope, mailserver, live_server, settings):
    settings.OPENIVAN_PUBLIC_URL = live_server.url
    _confirmed_registration(provider, envelope, mailserver)
    link, code = _emailed_for(provider, envelope, mailserver, samples.change())
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Xác nhận thay đổi thông tin đăng ký (05/SĐ-IVAN)")
    changes = page.get_by_role("region", name="Nội dung thay đổi")
    email_row = changes.get_by_role("row").filter(has_text="Thư điện tử")
    expect(email_row).to_contain_text("ketoan@giaiphapmo.vn", use_inner_text=True)
    expect(email_row).to_contain_text("nhansu@giaiphapmo.vn", use_inner_text=True)
    expect(changes.get_by_role("row").filter(has_text="Chứng thư số")).to_contain_text(
        "1A2B", use_inner_text=True)
    expect(changes).to_contain_text("Trần Thị Bình", use_inner_text=True)  # the new contact
    page.get_by_label("Mã xác nhận").fill(code)
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Hoàn tất thủ tục thành công", use_inner_text=True)


def test_stop_page_shows_the_stop_date_and_reason_and_offers_no_password(
        page, provider, envelope, mailserver, live_server, settings):
    settings.OPENIVAN_PUBLIC_URL = live_server.url
    _confirmed_registration(provider, envelope, mailserver)
    link, code = _emailed_for(provider, envelope, mailserver, samples.stop())
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Xác nhận ngừng sử dụng dịch vụ I-VAN (06/NG-IVAN)")
    stop = page.get_by_role("region", name="Nội dung ngừng").inner_text()
    assert "31/12/2026" in stop and "Chuyển sang nhà cung cấp khác" in stop
    assert page.get_by_label("Yêu cầu cấp lại mật khẩu nếu đã tồn tại").count() == 0
    page.get_by_label("Mã xác nhận").fill(code)
    page.get_by_role("button", name="Gửi mã xác nhận").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Hoàn tất thủ tục thành công", use_inner_text=True)
    run_worker()
    [completed] = [m for m in mailserver.messages if "Hoàn tất" in m["Subject"]]
    assert "từ ngày 31/12/2026" in body_of(completed)
    assert "theo ngày ngừng đã đăng ký" not in body_of(completed)


def test_activation_page_can_be_used_by_keyboard_and_on_a_phone(page, emailed):
    """At a phone's width the checkbox is a target a finger hits (24 px), the focus ring of
    the blue button is plain to see (3 px, solid), and the page's icon is there (no request
    that fails on every page). axe-core checks the rest (the `page` fixture)."""
    link, _ = emailed
    page.set_viewport_size({"width": 390, "height": 800})
    with page.expect_response(lambda r: "favicon" in r.url) as icon:
        page.goto(link)
    assert icon.value.status == 200
    box = page.get_by_label("Yêu cầu cấp lại mật khẩu nếu đã tồn tại").bounding_box()
    assert box and box["width"] >= 24 and box["height"] >= 24
    page.get_by_label("Mã xác nhận").focus()
    page.keyboard.press("Tab")  # the checkbox
    page.keyboard.press("Tab")  # the button
    button = page.get_by_role("button", name="Gửi mã xác nhận")
    assert button.evaluate("e => e === document.activeElement")
    ring = button.evaluate("e => { const s = getComputedStyle(e); "
                           "return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert ring[0] == "solid" and ring[1] >= 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_expired_code_leads_to_the_hotline_and_a_new_declaration(page, emailed, live_server):
    """An expired code is no dead end: the page says what to do next — call the hotline with
    the dossier number for a new code, or send the declaration again — and links home."""
    link, _ = emailed
    Activation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page.goto(link)
    assert page.get_by_role("alert").get_attribute("data-code") == "ACTIVATION_EXPIRED"
    steps = page.locator("#next-steps")
    number = Dossier.objects.get().number
    assert number in steps.inner_text() and "04/ĐK-IVAN" in steps.inner_text()
    assert steps.get_by_role("link", name="1900 9068").get_attribute("href") == "tel:19009068"
    steps.get_by_role("link", name="Trang chủ của cổng").click()
    page.wait_for_url(f"{live_server.url}/")


def test_a_link_cut_short_says_how_to_open_it_again(page, emailed):
    link, _ = emailed
    page.goto(link[:-5])
    assert page.get_by_role("alert").get_attribute("data-code") == "ACTIVATION_NOT_FOUND"
    steps = page.locator("#next-steps").inner_text()
    assert "sao chép toàn bộ đường dẫn" in steps and "1900 9068" in steps
    assert page.get_by_label("Mã xác nhận").count() == 0
