"""Accounts issued with a one-time password must change it at the first sign-in; repeated
failed sign-ins lock the account for a while."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from django.utils import timezone

from openivan.accounts import services
from openivan.accounts.middleware import SIGNED_IN_AT
from openivan.accounts.models import AccountProfile
from openivan.core import codes
from openivan.core.errors import OpenIvanError
from openivan.platform import jobs
from openivan.platform.models import AuditEvent, Throttle
from tests.conftest import run_worker
from tests.mailserver import body_of

pytestmark = pytest.mark.django_db


def test_one_time_password_leads_to_the_password_change_first():
    issued = services.issue_unit_account("0101300842", "Công ty Mẫu", "a@example.vn",
                                         reissue=False)
    assert issued.one_time_password and len(issued.one_time_password) == 12
    client = Client()
    response = client.post("/tai-khoan/dang-nhap/", {
        "username": "0101300842", "password": issued.one_time_password})
    assert response.status_code == 302
    forced = client.get("/")
    assert forced.status_code == 302 and forced["Location"] == "/tai-khoan/doi-mat-khau/"
    page = client.get("/tai-khoan/doi-mat-khau/").content.decode()
    assert "mật khẩu lần đầu" in page
    changed = client.post("/tai-khoan/doi-mat-khau/", {
        "old_password": issued.one_time_password, "new_password1": "Bao-hiem-xa-hoi-2026",
        "new_password2": "Bao-hiem-xa-hoi-2026"})
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    assert not services.password_state(
        get_user_model().objects.get(username="0101300842")).must_change
    assert actions("account:0101300842") == [
        ("system", "account.issued"), ("user:0101300842", "account.login"),
        ("user:0101300842", "account.password_changed")]


def test_a_units_password_is_never_issued_onto_a_persons_account_of_the_same_number():
    person = get_user_model().objects.create_user(username="0101300842", password="Cua-nguoi-ta-9")
    AccountProfile.objects.create(user=person, display_name="Nguyễn Văn An")
    with pytest.raises(OpenIvanError) as refused:
        services.issue_unit_account("0101300842", "Công ty Mẫu", "a@example.vn", reissue=True)
    assert refused.value.code == "ACCOUNT_NAME_TAKEN"
    person.refresh_from_db()
    assert person.check_password("Cua-nguoi-ta-9") and person.email == ""


def test_a_one_time_password_is_hashed_lightly_and_its_first_use_rehashes_it_fully():
    issued = services.issue_unit_account("0101300842", "Công ty Mẫu", "a@example.vn",
                                         reissue=False)
    user = get_user_model().objects.get(username="0101300842")
    assert user.password.startswith("argon2_onetime$argon2id$v=19$m=19456,t=2,p=1$")
    assert Client().post("/tai-khoan/dang-nhap/", {
        "username": "0101300842", "password": issued.one_time_password}).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$") and user.check_password(
        issued.one_time_password)


@pytest.mark.parametrize(("chosen", "reason"), [
    ("Ngan-2026", "quá ngắn"),  # 9 characters
    ("123456789012", "hoàn toàn là số"),
    ("password1234", "quá phổ biến"),
    ("0101300842ab", "quá giống"),  # the account's own tax code
])
def test_a_weak_new_password_is_refused_and_the_one_time_password_stays(chosen, reason):
    issued = services.issue_unit_account("0101300842", "Công ty Mẫu", "a@example.vn",
                                         reissue=False)
    client = Client()
    client.post("/tai-khoan/dang-nhap/", {"username": "0101300842",
                                          "password": issued.one_time_password})
    rules = client.get("/tai-khoan/doi-mat-khau/").content.decode()
    assert "phải chứa ít nhất 12 ký tự" in rules  # said before the first try
    refused = client.post("/tai-khoan/doi-mat-khau/", {
        "old_password": issued.one_time_password, "new_password1": chosen,
        "new_password2": chosen})
    assert refused.status_code == 200 and reason in refused.content.decode()
    user = get_user_model().objects.get(username="0101300842")
    assert user.check_password(issued.one_time_password)
    assert services.password_state(user).must_change
    assert not AuditEvent.objects.filter(action="account.password_changed").exists()


def test_existing_account_keeps_its_password_unless_reissue_is_asked():
    first = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    again = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    assert again.one_time_password is None
    client = Client()
    assert client.login(username="0101300842", password=first.one_time_password)


def test_failed_sign_ins_lock_the_account(settings):
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    client = Client()
    for _ in range(settings.OPENIVAN_LOGIN_MAX_FAILURES):
        response = client.post("/tai-khoan/dang-nhap/", {"username": "0101300842",
                                                         "password": "sai-mat-khau"})
        assert response.status_code == 200
    locked = client.post("/tai-khoan/dang-nhap/", {"username": "0101300842",
                                                   "password": issued.one_time_password})
    assert locked.status_code == 200  # the right password, but locked: not signed in
    assert "tạm khoá 15 phút" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    failures = actions("account:0101300842")[1:]
    assert failures == [("client:127.0.0.1", "account.login_failed")] * 4 + [
        ("client:127.0.0.1", "account.login_locked")]


def test_the_lockout_is_not_kept_in_a_process_memory(settings):
    """Every web process, and a restarted one, sees the same failures: they are in the
    database, not in this process's cache."""
    services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    for _ in range(settings.OPENIVAN_LOGIN_MAX_FAILURES):
        services.login_failed("0101300842")
    cache.clear()
    with pytest.raises(OpenIvanError) as locked:
        services.check_login_allowed(" 0101300842 ")
    assert locked.value.code == "LOGIN_LOCKED"


def test_a_successful_sign_in_clears_the_failures(settings):
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    client = Client()
    for _ in range(settings.OPENIVAN_LOGIN_MAX_FAILURES - 1):
        client.post("/tai-khoan/dang-nhap/", {"username": "0101300842", "password": "sai"})
    assert client.post("/tai-khoan/dang-nhap/", {
        "username": "0101300842", "password": issued.one_time_password}).status_code == 302
    services.login_failed("0101300842")
    services.check_login_allowed("0101300842")  # one failure since: not locked


def test_a_sign_in_without_a_password_does_not_reset_the_failures(settings):
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    client = Client()
    for _ in range(settings.OPENIVAN_LOGIN_MAX_FAILURES - 1):
        client.post("/tai-khoan/dang-nhap/", {"username": "0101300842", "password": "sai"})
    client.post("/tai-khoan/dang-nhap/", {"username": "0101300842", "password": ""})
    client.post("/tai-khoan/dang-nhap/", {"username": "0101300842", "password": "sai"})
    locked = client.post("/tai-khoan/dang-nhap/", {
        "username": "0101300842", "password": issued.one_time_password})
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="account.login").exists()


def test_the_lockout_ends_when_its_window_does(settings):
    settings.OPENIVAN_LOGIN_LOCKOUT_MINUTES = 15
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    for _ in range(settings.OPENIVAN_LOGIN_MAX_FAILURES):
        services.login_failed("0101300842")
    Throttle.objects.update(window_ends_ms=F("window_ends_ms") - 15 * 60 * 1000)
    client = Client()
    assert client.post("/tai-khoan/dang-nhap/", {
        "username": "0101300842", "password": issued.one_time_password}).status_code == 302


def test_a_very_long_username_is_refused_like_any_wrong_one():
    response = Client().post("/tai-khoan/dang-nhap/", {"username": "x" * 5000, "password": "p"})
    assert response.status_code == 200 and "_auth_user_id" not in Client().session
    assert AuditEvent.objects.get().action == "account.login_failed"


def test_a_reissued_password_is_in_the_audit_log():
    services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=True)
    assert [a for _, a in actions("account:0101300842")] == [
        "account.issued", "account.password_reissued"]


def actions(target: str) -> list[tuple[str, str]]:
    return list(AuditEvent.objects.filter(target=target).order_by("at", "id")
                .values_list("actor", "action"))


def test_one_time_passwords_avoid_look_alike_characters():
    for _ in range(50):
        password = codes.random_code(12)
        assert not set(password) & set("0O1IL5S2Z8B")


def test_the_admin_sign_in_counts_failures_like_the_portal(settings):
    """An officer's account cannot be guessed through /admin/login/ instead."""
    get_user_model().objects.create_user("officer", password="Dung-mat-khau-2026",
                                         is_staff=True)
    client = Client()
    for _ in range(settings.OPENIVAN_LOGIN_MAX_FAILURES):
        client.post("/admin/login/", {"username": "officer", "password": "sai"})
    locked = client.post("/admin/login/", {"username": "officer",
                                           "password": "Dung-mat-khau-2026"})
    assert "_auth_user_id" not in client.session
    assert "tạm khoá 15 phút" in locked.content.decode()
    assert actions("account:officer")[-1] == ("client:127.0.0.1", "account.login_locked")


def test_one_address_failing_on_many_accounts_is_refused(settings):
    """Password spraying: a few guesses on each of many accounts locks none of them, so the
    caller's address is counted too."""
    settings.OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT = 3
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    sprayer = Client(REMOTE_ADDR="203.0.113.7")
    for tax_code in ("0100109106", "0100100079", "0100111948"):
        sprayer.post("/tai-khoan/dang-nhap/", {"username": tax_code, "password": "123456"})
    refused = sprayer.post("/tai-khoan/dang-nhap/", {
        "username": "0101300842", "password": issued.one_time_password})
    assert "_auth_user_id" not in sprayer.session
    assert "quá nhiều lần đăng nhập sai từ địa chỉ của bạn" in refused.content.decode()
    assert actions("client:203.0.113.7") == [("client:203.0.113.7", "client.login_locked")]
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert elsewhere.post("/tai-khoan/dang-nhap/", {
        "username": "0101300842", "password": issued.one_time_password}).status_code == 302


def test_signing_in_to_ones_own_account_does_not_reset_the_address_count(settings):
    settings.OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT = 2
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    services.login_failed("0100109106", "203.0.113.7")
    services.login_succeeded("0101300842")
    services.login_failed("0100100079", "203.0.113.7")
    with pytest.raises(OpenIvanError) as refused:
        services.check_login_allowed(issued.username, "203.0.113.7")
    assert refused.value.code == "LOGIN_CLIENT_LOCKED"
    assert refused.value.message("en") == (
        "Too many failed sign-ins from your address; try again in 15 minutes.")


def test_a_session_idle_for_too_long_is_signed_out(settings):
    """Each request restarts the idle count; a session left alone past it ends."""
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    client = Client()
    client.post("/tai-khoan/dang-nhap/", {"username": "0101300842",
                                          "password": issued.one_time_password})
    session = Session.objects.get()
    session.expire_date = timezone.now() + timedelta(seconds=60)
    session.save()
    assert client.get("/tai-khoan/doi-mat-khau/").status_code == 200
    refreshed = Session.objects.get().expire_date - timezone.now()
    assert refreshed > timedelta(minutes=settings.OPENIVAN_SESSION_IDLE_MINUTES - 1)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    left = client.get("/tai-khoan/doi-mat-khau/")
    assert left.status_code == 302 and left["Location"].startswith("/tai-khoan/dang-nhap/")


def sign_in(client: Client, username: str, password: str) -> bool:
    client.post("/tai-khoan/dang-nhap/", {"username": username, "password": password})
    return "_auth_user_id" in client.session


def signed_out(client: Client) -> Client:
    client.post("/tai-khoan/dang-xuat/")
    assert "_auth_user_id" not in client.session
    return client


def test_a_browser_that_signed_in_before_is_not_shut_out_by_its_offices_address(settings):
    """Behind one office address: a colleague's mistakes (or a sprayer on the same network)
    lock the address, not the holder's own browser."""
    settings.OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT = 3
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    office = "203.0.113.7"
    mine = Client(REMOTE_ADDR=office)
    assert sign_in(mine, "0101300842", issued.one_time_password)
    cookie = mine.cookies[services.device_cookie_name("0101300842")]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.OPENIVAN_KNOWN_DEVICE_DAYS * 86400
    signed_out(mine)
    colleague = Client(REMOTE_ADDR=office)
    for tax_code in ("0100109106", "0100100079", "0100111948"):
        assert not sign_in(colleague, tax_code, "123456")
    assert not sign_in(Client(REMOTE_ADDR=office), "0101300842", issued.one_time_password)
    assert sign_in(mine, "0101300842", issued.one_time_password)


def test_a_known_browser_signs_in_while_others_have_locked_the_account(settings):
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    mine = Client()
    assert sign_in(mine, "0101300842", issued.one_time_password)
    signed_out(mine)
    guesser = Client(REMOTE_ADDR="198.51.100.20")
    for _ in range(settings.OPENIVAN_LOGIN_MAX_FAILURES):
        assert not sign_in(guesser, "0101300842", "sai-mat-khau")
    assert not sign_in(guesser, "0101300842", issued.one_time_password)  # locked
    assert sign_in(mine, "0101300842", issued.one_time_password)


def test_a_known_browser_has_its_own_guesses_then_the_accounts(settings):
    """A stolen cookie buys at most the account's number of guesses once more: past its own
    count, the browser is unknown and the account's lock applies."""
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    browser = Client()
    assert sign_in(browser, "0101300842", issued.one_time_password)
    signed_out(browser)
    for _ in range(2 * settings.OPENIVAN_LOGIN_MAX_FAILURES):
        assert not sign_in(browser, "0101300842", "sai-mat-khau")
    assert not sign_in(browser, "0101300842", issued.one_time_password)
    assert [a for _, a in actions("account:0101300842")][-2 * 5:] == (
        ["account.login_failed"] * 4 + ["account.device_locked"]
        + ["account.login_failed"] * 4 + ["account.login_locked"])


class SignedDaysAgo(signing.TimestampSigner):
    days = 2

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - self.days * 86400)


@pytest.mark.parametrize("tamper", ["forged", "another account's", "too old"])
def test_a_cookie_that_is_not_this_browsers_for_this_account_is_not_trusted(settings, tamper):
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    name, value = services.new_device_cookie("0101300842")
    assert services.known_device("0101300842", {name: value})  # as made: trusted
    if tamper == "forged":
        value = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    elif tamper == "another account's":
        value = services.new_device_cookie("0100109106")[1]
    else:
        settings.OPENIVAN_KNOWN_DEVICE_DAYS = 1
        value = SignedDaysAgo(salt="openivan.accounts.known-device").sign_object(
            {"account": "0101300842", "device": "a" * 24})
    assert services.known_device("0101300842", {name: value}) is None
    for _ in range(settings.OPENIVAN_LOGIN_MAX_FAILURES):
        sign_in(Client(REMOTE_ADDR="198.51.100.20"), "0101300842", "sai-mat-khau")
    browser = Client()
    browser.cookies[name] = value
    assert not sign_in(browser, "0101300842", issued.one_time_password)  # the account's lock


def test_known_browsers_can_be_turned_off(settings):
    settings.OPENIVAN_KNOWN_DEVICE_DAYS = 0
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    browser = Client()
    assert sign_in(browser, "0101300842", issued.one_time_password)
    assert services.device_cookie_name("0101300842") not in browser.cookies


def test_the_admin_sign_in_also_makes_the_browser_known():
    get_user_model().objects.create_user("officer", password="Dung-mat-khau-2026",
                                         is_staff=True)
    client = Client()
    client.post("/admin/login/", {"username": "officer", "password": "Dung-mat-khau-2026"})
    cookie = client.cookies[services.device_cookie_name("officer")].value
    assert services.known_device("OFFICER", {services.device_cookie_name("OFFICER"): cookie})


def changed_days_ago(username: str, days: int) -> None:
    AccountProfile.objects.filter(user__username=username).update(
        must_change_password=False, password_changed_at=timezone.now() - timedelta(days=days))


def test_a_password_older_than_its_age_must_be_changed_before_any_page(settings):
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    changed_days_ago("0101300842", settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS + 1)
    client = Client()
    client.post("/tai-khoan/dang-nhap/", {"username": "0101300842",
                                          "password": issued.one_time_password})
    forced = client.get("/")
    assert forced.status_code == 302 and forced["Location"] == "/tai-khoan/doi-mat-khau/"
    assert "đã dùng quá 180 ngày" in client.get("/tai-khoan/doi-mat-khau/").content.decode()
    same = client.post("/tai-khoan/doi-mat-khau/", {
        "old_password": issued.one_time_password, "new_password1": issued.one_time_password,
        "new_password2": issued.one_time_password})
    assert "phải khác mật khẩu hiện tại" in same.content.decode()
    assert client.get("/").status_code == 302  # the same password again changed nothing
    changed = client.post("/tai-khoan/doi-mat-khau/", {
        "old_password": issued.one_time_password, "new_password1": "Bao-hiem-xa-hoi-2026",
        "new_password2": "Bao-hiem-xa-hoi-2026"})
    assert changed.status_code == 302 and client.get("/").status_code == 200


def test_every_page_reminds_of_a_password_about_to_expire(settings):
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    changed_days_ago("0101300842", settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS - 10)
    client = Client()
    client.post("/tai-khoan/dang-nhap/", {"username": "0101300842",
                                          "password": issued.one_time_password})
    page = client.get("/").content.decode()
    assert "phải được đổi trong vòng 10 ngày tới" in page
    changed_days_ago("0101300842", settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS - 30)
    assert "phải được đổi" not in client.get("/").content.decode()


def test_staff_accounts_and_a_zero_age_are_not_held_to_the_age(settings):
    staff = get_user_model().objects.create_user("canbo01", password="Mat-khau-dai-2026")
    assert not services.password_state(staff).must_change  # no profile: made in the admin
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    changed_days_ago("0101300842", 10_000)
    unit = get_user_model().objects.get(username="0101300842")
    assert services.password_state(unit).must_change
    settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS = 0
    assert not services.password_state(unit).must_change and issued.one_time_password


@pytest.mark.django_db(transaction=True)  # the real worker, which closes its connections
def test_an_account_is_emailed_once_before_its_password_expires(settings, mailserver):
    services.issue_unit_account("0101300842", "CÔNG TY MẪU", "ketoan@giaiphapmo.vn",
                                reissue=False)
    changed_days_ago("0101300842", settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS - 20)
    jobs.run_periodic()
    run_worker()
    assert mailserver.messages == []  # not yet inside the 14 days
    changed_days_ago("0101300842", settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS - 10)
    assert jobs.run_periodic()["password_reminders"] == 1
    assert jobs.run_periodic()["password_reminders"] == 0  # once per password
    run_worker()
    (letter,) = mailserver.messages
    assert letter["To"] == "ketoan@giaiphapmo.vn"
    assert letter["Subject"].strip() == (
        "Mật khẩu tài khoản giao dịch điện tử 0101300842 sắp hết hạn")
    expires = (AccountProfile.objects.get().password_changed_at
               + timedelta(days=settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS))
    body = body_of(letter)
    assert "Kính gửi CÔNG TY MẪU" in body and "/tai-khoan/doi-mat-khau/" in body
    assert timezone.localtime(expires).strftime("%H:%M %d/%m/%Y") in body
    assert actions("account:0101300842")[-1] == ("system", "account.password_expiry_reminded")


def test_a_changed_or_expired_password_gets_no_reminder(settings, mailserver):
    services.issue_unit_account("0101300842", "A", "ketoan@giaiphapmo.vn", reissue=False)
    changed_days_ago("0101300842", settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS + 1)  # too late
    assert jobs.run_periodic()["password_reminders"] == 0
    AccountProfile.objects.update(must_change_password=True,  # re-issued: a one-time one
                                  password_changed_at=timezone.now() - timedelta(days=170))
    assert jobs.run_periodic()["password_reminders"] == 0
    settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS = 0
    AccountProfile.objects.update(must_change_password=False)
    assert jobs.run_periodic()["password_reminders"] == 0


def test_a_session_ends_its_maximum_hours_after_the_sign_in_however_active(settings):
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    changed_days_ago("0101300842", 1)
    client = Client()
    client.post("/tai-khoan/dang-nhap/", {"username": "0101300842",
                                          "password": issued.one_time_password})
    assert client.get("/tai-khoan/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] -= settings.OPENIVAN_SESSION_MAX_HOURS * 3600 - 60  # a minute left
    session.save()
    assert client.get("/tai-khoan/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] -= 120  # now past it, though active all along
    session.save()
    ended = client.get("/tai-khoan/")
    assert ended.status_code == 302
    assert ended["Location"] == "/tai-khoan/dang-nhap/?next=/tai-khoan/"
    login_page = client.get(ended["Location"]).content.decode()
    assert "Phiên làm việc đã kéo dài quá 12 giờ" in login_page
    assert client.get("/tai-khoan/").status_code == 302  # signed out, not just redirected


def test_the_password_change_is_confirmed_on_the_next_page():
    issued = services.issue_unit_account("0101300842", "A", "a@example.vn", reissue=False)
    client = Client()
    client.post("/tai-khoan/dang-nhap/", {"username": "0101300842",
                                          "password": issued.one_time_password})
    done = client.post("/tai-khoan/doi-mat-khau/", {
        "old_password": issued.one_time_password, "new_password1": "Bao-hiem-xa-hoi-2026",
        "new_password2": "Bao-hiem-xa-hoi-2026"}, follow=True)
    assert done.redirect_chain == [("/", 302)]
    assert '<div class="notice" role="status">Đã đổi mật khẩu.</div>' in done.content.decode()
