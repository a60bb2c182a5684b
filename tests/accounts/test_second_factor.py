"""Staff accounts type the code of an authenticator app after their password (xác thực hai
lớp): set up at the first sign-in, asked at every sign-in after, on the console and the admin;
a code works once, wrong codes lock, recovery codes work once, an administrator resets."""

from __future__ import annotations

import io
import re
import time

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from openivan.accounts.models import AccountProfile, RecoveryCode, SecondFactor
from openivan.accounts.services import second_factor
from openivan.core import totp
from openivan.platform.models import AuditEvent
from tests.platform.test_sealing import rotate
from tests.staff import PASSWORD, app_set_up_a_step_ago, new_officer, sign_in_staff

pytestmark = pytest.mark.django_db

PAGE = "/tai-khoan/xac-thuc-hai-lop/"
CONSOLE = "/co-quan/ho-so/"


def signed_in_with_password(username: str = "canbo01", next_page: str = CONSOLE) -> Client:
    client = Client()
    response = client.post(f"/tai-khoan/dang-nhap/?next={next_page}",
                           {"username": username, "password": PASSWORD, "next": next_page})
    assert response.status_code == 302, response.content.decode()
    return client


def code_now(secret: bytes, shift: int = 0) -> str:
    return totp.code_at(secret, totp.time_step(time.time()) + shift)


def secret_on_page(html: str) -> bytes:
    key = re.search(r'<code id="setup-key">([A-Z2-7 ]+)</code>', html).group(1)  # type: ignore[union-attr]
    return totp.secret_from_text(key.replace(" ", ""))


def audit_actions(username: str) -> list[str]:
    return list(AuditEvent.objects.filter(target=f"account:{username}").order_by("pk")
                .values_list("action", flat=True))


def test_an_officer_sets_up_the_app_after_the_password_before_any_page():
    new_officer()
    client = signed_in_with_password()
    sent = client.get(CONSOLE)
    assert sent.status_code == 302 and sent["Location"] == f"{PAGE}?next=%2Fco-quan%2Fho-so%2F"
    page = client.get(sent["Location"])
    html = page.content.decode()
    assert "Thiết lập xác thực hai lớp" in html and "<svg" in html
    assert client.get("/co-quan/don-vi/").status_code == 302  # no other page either
    again = client.get(sent["Location"]).content.decode()
    assert secret_on_page(again) == secret_on_page(html)  # a reload keeps the scanned QR


def test_the_first_code_sets_the_app_up_and_hands_out_recovery_codes_once():
    new_officer()
    client = signed_in_with_password()
    secret = secret_on_page(client.get(f"{PAGE}?next={CONSOLE}").content.decode())
    before = client.cookies["sessionid"].value
    done = client.post(PAGE, {"code": code_now(secret), "next": CONSOLE})
    html = done.content.decode()
    assert done.status_code == 200 and "Đã thiết lập xác thực hai lớp" in html
    assert "no-store" in done["Cache-Control"]  # not kept by the browser or a proxy
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", html)
    assert len(set(codes)) == 10
    assert f'href="{CONSOLE}"' in html
    assert client.cookies["sessionid"].value != before  # a new session id for the new right
    assert client.get(CONSOLE).status_code == 200
    stored = RecoveryCode.objects.values_list("digest", flat=True)
    assert not {c.replace("-", "") for c in codes} & {d for d in stored}
    assert audit_actions("canbo01")[-1] == "account.second_factor_enrolled"


def test_a_wrong_first_code_is_refused_and_the_app_stays_unset():
    user = new_officer()
    client = signed_in_with_password()
    secret = secret_on_page(client.get(PAGE).content.decode())
    wrong = next(c for c in ("000000", "111111", "222222") if c not in {
        code_now(secret, shift) for shift in (-1, 0, 1)})
    refused = client.post(PAGE, {"code": wrong})
    html = refused.content.decode()
    assert refused.status_code == 422 and "Mã xác thực không đúng" in html and "còn 4 lần" in html
    assert not second_factor.is_enrolled(user) and not RecoveryCode.objects.exists()
    assert client.get(CONSOLE).status_code == 302


def test_the_next_sign_in_asks_for_the_apps_code_and_then_opens_the_page_asked_for():
    secret = app_set_up_a_step_ago(new_officer())
    client = signed_in_with_password(next_page="/co-quan/don-vi/")
    asked = client.get("/co-quan/don-vi/")
    page = client.get(asked["Location"]).content.decode()
    assert "Xác thực hai lớp" in page and "còn 10 mã" in page and "<svg" not in page
    passed = client.post(PAGE, {"code": code_now(secret), "next": "/co-quan/don-vi/"})
    assert passed.status_code == 302 and passed["Location"] == "/co-quan/don-vi/"
    assert client.get("/co-quan/don-vi/").status_code == 200
    assert audit_actions("canbo01")[-2:] == ["account.login", "account.second_factor_passed"]


def test_a_code_opens_one_session_only_and_an_earlier_code_none():
    secret = app_set_up_a_step_ago(new_officer())
    first, second = signed_in_with_password(), signed_in_with_password()
    code = code_now(secret)  # once: a step may end between the two posts
    assert first.post(PAGE, {"code": code}).status_code == 302
    reused = second.post(PAGE, {"code": code})
    assert reused.status_code == 422 and "đã được dùng" in reused.content.decode()
    earlier = second.post(PAGE, {"code": code_now(secret, -1)})
    assert earlier.status_code == 422
    assert second.get(CONSOLE).status_code == 302


def test_five_wrong_codes_lock_the_second_factor_even_for_the_right_code(settings):
    secret = app_set_up_a_step_ago(new_officer())
    client = signed_in_with_password()
    for _ in range(settings.OPENIVAN_SECOND_FACTOR_MAX_FAILURES - 1):
        assert client.post(PAGE, {"code": "12345"}).status_code == 422
    locked = client.post(PAGE, {"code": "12345"})
    assert locked.status_code == 429 and "quá nhiều lần" in locked.content.decode()
    right = client.post(PAGE, {"code": code_now(secret)})
    assert right.status_code == 429 and "15 phút" in right.content.decode()
    assert client.get(CONSOLE).status_code == 302
    assert audit_actions("canbo01")[-1] == "account.second_factor_locked"


def test_a_recovery_code_signs_in_once_however_it_is_typed():
    user = new_officer()
    client = signed_in_with_password()
    secret = secret_on_page(client.get(PAGE).content.decode())
    html = client.post(PAGE, {"code": code_now(secret)}).content.decode()
    code = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", html)[3]
    lost_phone = signed_in_with_password()
    typed = f" {code.lower()[:3]} {code.lower()[3:]} "
    assert lost_phone.post(PAGE, {"code": typed}).status_code == 302
    assert lost_phone.get(CONSOLE).status_code == 200
    assert second_factor.recovery_codes_left(user) == 9
    again = signed_in_with_password()
    assert again.post(PAGE, {"code": code}).status_code == 422
    event = AuditEvent.objects.filter(action="account.second_factor_passed").latest("pk")
    assert event.details == {"method": "recovery_code", "recovery_codes_left": 9}


def test_the_admin_waits_for_the_second_factor_too():
    User.objects.create_superuser("quantri", "qt@bhxh.gov.vn", PASSWORD)
    client = Client()
    signed = client.post("/admin/login/?next=/admin/", {
        "username": "quantri", "password": PASSWORD, "next": "/admin/"})
    assert signed.status_code == 302
    admin = client.get("/admin/auth/user/")
    assert admin.status_code == 302 and admin["Location"].startswith(PAGE)
    assert client.post("/admin/logout/").status_code == 200  # signing out is always open


def test_a_unit_account_is_not_asked_for_a_second_factor():
    User.objects.create_user("0101300842", password=PASSWORD)
    client = signed_in_with_password("0101300842", next_page="/")
    assert client.get("/").status_code == 200
    assert client.get(PAGE).status_code == 302  # nothing to do there: on to the page


def test_a_reset_ends_the_sessions_that_passed_and_the_next_sign_in_sets_up_a_new_app():
    user = new_officer()
    client = Client()
    old_secret = sign_in_staff(client, user)
    assert client.get(CONSOLE).status_code == 200
    call_command("second_factor", "reset", "canbo01", stdout=io.StringIO())
    assert client.get(CONSOLE).status_code == 302
    html = client.get(PAGE).content.decode()
    assert "Thiết lập xác thực hai lớp" in html and secret_on_page(html) != old_secret
    assert not RecoveryCode.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="account.second_factor_reset")
    assert event.actor.startswith("cli:") and event.target == "account:canbo01"


@pytest.mark.parametrize(("username", "code"), [("khong-co", "ACCOUNT_UNKNOWN"),
                                                ("canbo01", "SECOND_FACTOR_NOT_SET")])
def test_a_reset_of_an_unknown_account_or_of_one_without_an_app_is_refused(username, code):
    new_officer()
    with pytest.raises(CommandError, match=code):
        call_command("second_factor", "reset", username)
    assert not AuditEvent.objects.filter(action="account.second_factor_reset").exists()


def test_the_list_says_which_staff_accounts_have_set_it_up():
    app_set_up_a_step_ago(new_officer())
    new_officer("canbo02")
    User.objects.create_user("0101300842", password=PASSWORD)  # a unit: not listed
    out = io.StringIO()
    call_command("second_factor", "list", stdout=out)
    assert out.getvalue().splitlines() == [
        "canbo01\tset up\t10 recovery codes left", "canbo02\tnot set up\t0 recovery codes left"]


def test_the_apps_secret_is_sealed_and_moves_to_a_new_data_key(settings):
    user = new_officer()
    client = signed_in_with_password()
    secret = secret_on_page(client.get(PAGE).content.decode())
    html = client.post(PAGE, {"code": code_now(secret)}).content.decode()
    recovery = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", html)[0]
    stored = bytes(SecondFactor.objects.get(user=user).sealed_secret)
    assert totp.secret_text(secret).encode() not in stored and secret not in stored
    rotate(settings)
    call_command("reseal", stdout=io.StringIO())
    settings.OPENIVAN_DATA_KEY_FALLBACKS = []  # the old key is gone
    assert signed_in_with_password().post(PAGE, {"code": code_now(secret, 1)}).status_code == 302
    assert signed_in_with_password().post(PAGE, {"code": recovery}).status_code == 302


def test_reseal_names_an_app_no_key_opens_and_leaves_it_as_it_was(settings):
    app_set_up_a_step_ago(new_officer())
    lost = SecondFactor.objects.get(user__username="canbo01")
    rotate(settings, "key-b", keep_old=False)  # the key it was sealed under is forgotten
    with pytest.raises(CommandError) as refused:
        call_command("reseal", stdout=io.StringIO())
    assert "DATA_KEY_UNKNOWN" in str(refused.value)
    assert f"authenticator apps {lost.pk}" in str(refused.value)
    assert bytes(SecondFactor.objects.get(pk=lost.pk).sealed_secret) == bytes(lost.sealed_secret)


@pytest.mark.parametrize("typed", ["", "x" * 5000, "١٢٣٤٥٦", "<script>", "12 34 5"])
def test_malformed_codes_are_refused_as_wrong_codes(typed):
    app_set_up_a_step_ago(new_officer())
    client = signed_in_with_password()
    refused = client.post(PAGE, {"code": typed})
    assert refused.status_code == 422 and "Mã xác thực không đúng" in refused.content.decode()
    assert "<script>" not in refused.content.decode()


def test_a_next_address_off_the_platform_is_not_followed():
    secret = app_set_up_a_step_ago(new_officer())
    client = signed_in_with_password()
    passed = client.post(PAGE, {"code": code_now(secret), "next": "https://evil.example/"})
    assert passed.status_code == 302 and passed["Location"] == "/"


def test_a_staff_account_with_a_one_time_password_passes_the_code_then_changes_it():
    user = new_officer()
    AccountProfile.objects.create(user=user, must_change_password=True)
    secret = app_set_up_a_step_ago(user)
    client = signed_in_with_password()
    first = client.get(CONSOLE)
    assert first["Location"].startswith(PAGE)  # the code first, not a redirect loop
    passed = client.post(PAGE, {"code": code_now(secret), "next": CONSOLE})
    assert passed.status_code == 302
    assert client.get(CONSOLE)["Location"] == "/tai-khoan/doi-mat-khau/"
    assert client.get("/tai-khoan/doi-mat-khau/").status_code == 200


def test_with_the_setting_off_the_password_is_enough(settings):
    settings.OPENIVAN_STAFF_SECOND_FACTOR = False
    new_officer()
    assert signed_in_with_password().get(CONSOLE).status_code == 200


def test_an_administrator_resets_an_officers_app_from_the_admin():
    secret = app_set_up_a_step_ago(new_officer())
    root = User.objects.create_superuser("quantri", "qt@bhxh.gov.vn", PASSWORD)
    admin = Client()
    sign_in_staff(admin, root)
    listing = admin.get("/admin/auth/user/").content.decode()
    assert "Xác thực hai lớp" in listing
    canbo = User.objects.get(username="canbo01")
    done = admin.post("/admin/auth/user/", {"action": "reset_second_factor",
                                            "_selected_action": [canbo.pk]}, follow=True)
    assert "Đã thiết lập lại xác thực hai lớp cho: canbo01" in done.content.decode()
    assert not second_factor.is_enrolled(canbo)
    event = AuditEvent.objects.get(action="account.second_factor_reset")
    assert (event.actor, event.target) == ("user:quantri", "account:canbo01")
    refused = signed_in_with_password().post(PAGE, {"code": code_now(secret)})
    html = refused.content.decode()  # the old app's code opens nothing: a new app is set up
    assert refused.status_code == 422 and "Mã xác thực không đúng" in html
    assert "Thiết lập xác thực hai lớp" in html and secret_on_page(html) != secret


def test_an_officer_renews_the_recovery_codes_with_a_code_of_the_app():
    user = new_officer()
    client = Client()
    secret = sign_in_staff(client, user)
    page = client.get("/tai-khoan/").content.decode()
    assert "còn 10 mã dự phòng" in page and "Tạo bộ mã dự phòng mới" in page
    old = {d for d in RecoveryCode.objects.filter(user=user).values_list("digest", flat=True)}
    renewed = client.post("/tai-khoan/", {"code": code_now(secret, 1)})
    html = renewed.content.decode()
    assert renewed.status_code == 200 and "các mã cũ không còn dùng được" in html
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", html)
    assert len(set(codes)) == 10 and "no-store" in renewed["Cache-Control"]
    now = set(RecoveryCode.objects.filter(user=user).values_list("digest", flat=True))
    assert len(now) == 10 and not now & old
    assert signed_in_with_password().post(PAGE, {"code": codes[0]}).status_code == 302
    assert "account.recovery_codes_renewed" in audit_actions("canbo01")


def test_recovery_codes_are_not_renewed_with_a_wrong_or_a_recovery_code():
    user = new_officer()
    client = Client()
    sign_in_staff(client, user)
    before = set(RecoveryCode.objects.values_list("digest", flat=True))
    for typed in ("12345", "ACDEF-GHJKM"):
        refused = client.post("/tai-khoan/", {"code": typed})
        assert refused.status_code == 422 and "Mã xác thực không đúng" in refused.content.decode()
    assert set(RecoveryCode.objects.values_list("digest", flat=True)) == before
    assert audit_actions("canbo01")[-1] == "account.second_factor_failed"


def test_the_account_page_links_the_password_change_and_shows_no_second_factor_to_a_unit():
    User.objects.create_user("0101300842", password=PASSWORD)
    client = signed_in_with_password("0101300842", next_page="/")
    page = client.get("/tai-khoan/").content.decode()
    assert 'href="/tai-khoan/doi-mat-khau/"' in page and "Xác thực hai lớp" not in page
    assert 'href="/tai-khoan/"' in client.get("/").content.decode()  # from every page's header
