"""Individuals' accounts: sign in with the mã số BHXH or the ID number, the one-time password
changed first, lockout, "quên mật khẩu" by a code read from the real test SMSC, the password
rules of the accounts app, identity providers plugged in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone

from openivan.accounts.models import AccountProfile
from openivan.devsmsc import join_parts
from openivan.platform import jobs
from openivan.platform.models import AuditEvent
from openivan.portal import identity
from openivan.portal.models import Person, ResetCode
from tests.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

BHXH, CCCD, PHONE = "0123456789", "001090012345", "0912345678"
ONE_TIME = "KM4TXACH7RQW"
GOOD = "Mùa thu Hà Nội 2026!"
LOGIN, FORGOT, RESET, ACCOUNT = ("/ca-nhan/dang-nhap/", "/ca-nhan/quen-mat-khau/",
                                 "/ca-nhan/quen-mat-khau/dat-lai/", "/ca-nhan/tai-khoan/")


def make_person(bhxh: str = BHXH, cccd: str = CCCD, phone: str = PHONE, *,
                password: str = ONE_TIME, one_time: bool = True) -> Person:
    """As the portal's decision issues it: user name = mã số BHXH, a one-time password."""
    user = get_user_model().objects.create_user(username=bhxh, password=password,
                                                email="anh@example.vn")
    AccountProfile.objects.create(
        user=user, display_name="Nguyễn Thị Ánh", must_change_password=one_time,
        password_changed_at=None if one_time else timezone.now())
    return Person.objects.create(user=user, bhxh_number=bhxh, id_number=cccd, phone=phone,
                                 email="anh@example.vn", created_at=timezone.now())


def sign_in(client: Any, username: str, password: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password})


# ---------------------------------------------------------------- sign in


def test_the_one_time_password_signs_in_and_must_be_changed_first(client):
    make_person()
    signed = sign_in(client, BHXH, ONE_TIME)
    assert signed.status_code == 302
    assert signed["Location"] == "/tai-khoan/doi-mat-khau/?next=%2Fca-nhan%2Ftai-khoan%2F"
    assert client.get(ACCOUNT)["Location"] == "/tai-khoan/doi-mat-khau/"  # no way round
    changed = client.post(signed["Location"], {
        "old_password": ONE_TIME, "new_password1": GOOD, "new_password2": GOOD})
    assert changed.status_code == 302 and changed["Location"] == ACCOUNT
    page = client.get(ACCOUNT).content.decode()
    assert BHXH in page and "*******678" in page


@pytest.mark.parametrize("typed", [CCCD, "001 090 012 345"])
def test_the_id_number_signs_in_to_the_same_account(client, typed):
    make_person(one_time=False, password=GOOD)
    signed = sign_in(client, typed, GOOD)
    assert signed.status_code == 302 and signed["Location"] == ACCOUNT
    assert re.search(rf'id="account-name">{BHXH}<', client.get(ACCOUNT).content.decode())


def test_a_units_or_officers_account_does_not_open_the_individuals_sign_in(client):
    get_user_model().objects.create_user(username="0101300842", password=GOOD)
    refused = sign_in(client, "0101300842", GOOD)
    assert refused.status_code == 200
    assert "Tài khoản hoặc mật khẩu không đúng" in refused.content.decode()


def test_brute_force_on_sign_in_locks_the_account_whichever_identifier_is_typed(client,
                                                                                settings):
    make_person(one_time=False, password=GOOD)
    for n in range(settings.OPENIVAN_LOGIN_MAX_FAILURES):
        sign_in(client, BHXH if n % 2 else CCCD, f"sai-mat-khau-{n}")
    locked = sign_in(client, CCCD, GOOD)  # the right password no longer opens it
    assert locked.status_code == 200
    assert "tạm khoá" in locked.content.decode()
    assert AuditEvent.objects.filter(action="account.login_locked",
                                     target=f"account:{BHXH}").exists()


# ---------------------------------------------------------------- forgot password


def reset_code(smsc: Any, phone: str = "84912345678") -> str:
    run_worker()
    text = join_parts(smsc.messages_to(phone)[-3:])
    return re.search(r"là (\d{6})", text).group(1)  # type: ignore[union-attr]


def test_forgot_password_a_code_by_sms_then_a_new_password(client, smsc):
    make_person(one_time=False, password=GOOD)
    asked = client.post(FORGOT, {"identifier": CCCD})
    assert asked.status_code == 302 and asked["Location"] == RESET
    code = reset_code(smsc)
    new = "Đà Lạt sương mù 1975"
    done = client.post(RESET, {"code": code, "new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == LOGIN
    assert sign_in(client, BHXH, new)["Location"] == ACCOUNT
    assert sign_in(client, BHXH, GOOD).status_code == 200  # the old one is gone
    again = client.post(FORGOT, {"identifier": BHXH})  # the code is single use
    assert again.status_code == 302
    assert ResetCode.objects.filter(used_at__isnull=False).count() == 1


def test_a_code_is_single_use(client, smsc):
    make_person(one_time=False, password=GOOD)
    client.post(FORGOT, {"identifier": BHXH})
    code = reset_code(smsc)
    client.post(RESET, {"code": code, "new_password1": "Đà Lạt sương mù 1975",
                        "new_password2": "Đà Lạt sương mù 1975"})
    client.post(FORGOT, {"identifier": BHXH})  # a new session's step 2, the old code
    reused = client.post(RESET, {"code": code, "new_password1": "Huế mộng mơ 2027!",
                                 "new_password2": "Huế mộng mơ 2027!"})
    assert reused.status_code == 422
    assert b"PORTAL_RESET_CODE_INVALID" in reused.content


def test_brute_force_on_the_code_kills_it(client, smsc, settings):
    make_person(one_time=False, password=GOOD)
    client.post(FORGOT, {"identifier": BHXH})
    code = reset_code(smsc)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    answers = [client.post(RESET, {"code": wrong, "new_password1": "x", "new_password2": "x"})
               for _ in range(settings.OPENIVAN_PORTAL_RESET_MAX_TRIES)]
    assert [a.status_code for a in answers] == [422] * len(answers)
    assert b"PORTAL_RESET_CODE_INVALID" in answers[0].content
    assert "còn 4 lần thử" in answers[0].content.decode()
    assert b"PORTAL_RESET_CODE_EXPIRED" in answers[-1].content
    late = client.post(RESET, {"code": code, "new_password1": "Đà Lạt sương mù 1975",
                               "new_password2": "Đà Lạt sương mù 1975"})
    assert b"PORTAL_RESET_CODE_EXPIRED" in late.content  # even the right one, now
    assert sign_in(client, BHXH, GOOD)["Location"] == ACCOUNT


def test_an_expired_code_is_refused(client, smsc):
    make_person(one_time=False, password=GOOD)
    client.post(FORGOT, {"identifier": BHXH})
    code = reset_code(smsc)
    ResetCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    late = client.post(RESET, {"code": code, "new_password1": "Đà Lạt sương mù 1975",
                               "new_password2": "Đà Lạt sương mù 1975"})
    assert late.status_code == 422 and b"PORTAL_RESET_CODE_EXPIRED" in late.content


def test_at_most_three_codes_a_day_go_to_a_person(client, smsc, settings):
    make_person(one_time=False, password=GOOD)
    for _ in range(3):
        assert client.post(FORGOT, {"identifier": BHXH}).status_code == 302
    fourth = client.post(FORGOT, {"identifier": CCCD})
    assert fourth.status_code == 429 and b"PORTAL_RESET_DAILY_LIMIT" in fourth.content
    run_worker()
    assert len({p.message_id for p in smsc.submitted}) == len(smsc.submitted)
    assert ResetCode.objects.count() == 3


def test_one_address_asking_for_many_accounts_is_held_back(client, settings):
    settings.OPENIVAN_PORTAL_RESET_PER_CLIENT = 4
    answers = [client.post(FORGOT, {"identifier": f"01234567{n:02d}"}) for n in range(5)]
    assert [a.status_code for a in answers] == [302, 302, 302, 302, 429]
    assert b"PORTAL_RESET_CLIENT_LIMIT" in answers[-1].content


def test_an_unknown_number_gets_the_same_answer_and_no_sms(client, smsc):
    asked = client.post(FORGOT, {"identifier": "0999999999"})
    assert asked.status_code == 302 and asked["Location"] == RESET
    run_worker()
    assert smsc.submitted == []


def test_a_malformed_identifier_is_named(client):
    refused = client.post(FORGOT, {"identifier": "12ab"})
    assert refused.status_code == 422 and b"PORTAL_IDENTIFIER_FORMAT" in refused.content


def test_a_common_password_is_refused_and_the_code_kept(client, smsc):
    make_person(one_time=False, password=GOOD)
    client.post(FORGOT, {"identifier": BHXH})
    code = reset_code(smsc)
    weak = client.post(RESET, {"code": code, "new_password1": "password1234",
                               "new_password2": "password1234"})
    assert weak.status_code == 422
    assert "quá phổ biến" in weak.content.decode()
    ok = client.post(RESET, {"code": code, "new_password1": "Đà Lạt sương mù 1975",
                             "new_password2": "Đà Lạt sương mù 1975"})
    assert ok.status_code == 302


def test_the_old_password_again_is_refused(client, smsc):
    make_person(one_time=False, password=GOOD)
    client.post(FORGOT, {"identifier": BHXH})
    same = client.post(RESET, {"code": reset_code(smsc), "new_password1": GOOD,
                               "new_password2": GOOD})
    assert same.status_code == 422
    assert "Mật khẩu mới phải khác mật khẩu hiện tại" in same.content.decode()


# ---------------------------------------------------------------- identity providers


class FakeVneid:
    """A provider as an OpenID Connect client would be: to its page, back with an identity."""

    key, label = "vneid-test", "Đăng nhập bằng VNeID (thử)"

    def start(self, request: HttpRequest, callback_url: str) -> HttpResponse:
        request.session["state"] = "s1"
        return HttpResponseRedirect(f"{callback_url}?state=s1")

    def finish(self, request: HttpRequest) -> identity.Identity:
        assert request.GET["state"] == request.session.pop("state")
        return identity.Identity(self.key, "sub-1", request.session.get("cccd", CCCD))


@pytest.fixture
def vneid() -> Iterator[FakeVneid]:
    provider = FakeVneid()
    identity.register(provider)
    yield provider
    identity.unregister(provider.key)


def test_an_identity_provider_signs_in_the_account_with_its_id_number(client, vneid):
    make_person(one_time=False, password=GOOD)
    assert vneid.label in client.get(LOGIN).content.decode()
    started = client.get(f"/ca-nhan/dang-nhap/{vneid.key}/")
    finished = client.get(started["Location"])
    assert finished.status_code == 302 and finished["Location"] == ACCOUNT
    assert client.get(ACCOUNT).status_code == 200
    assert AuditEvent.objects.filter(action="account.login", target=f"account:{BHXH}").exists()


def test_an_identity_without_an_account_is_refused(client, vneid):
    started = client.get(f"/ca-nhan/dang-nhap/{vneid.key}/")
    refused = client.get(started["Location"])
    assert refused.status_code == 403 and b"PORTAL_IDENTITY_NO_ACCOUNT" in refused.content


def test_an_unknown_provider_is_a_404_with_its_code(client):
    missing = client.get("/ca-nhan/dang-nhap/khong-co/")
    assert missing.status_code == 404 and b"PORTAL_PROVIDER_UNKNOWN" in missing.content


# ---------------------------------------------------------------- optional second factor


def test_a_person_may_add_an_authenticator_app_and_is_then_asked_for_its_code(client):
    import time

    from openivan.accounts.models import SecondFactor
    from openivan.accounts.services import second_factor
    from openivan.core import totp

    make_person(one_time=False, password=GOOD)
    sign_in(client, BHXH, GOOD)
    assert "Chưa bật." in client.get(ACCOUNT).content.decode()
    # Not held to it: the page leads away unless the person asks to set one up.
    assert client.get("/tai-khoan/xac-thuc-hai-lop/").status_code == 302
    setup = client.get(f"/tai-khoan/xac-thuc-hai-lop/?setup=1&next={ACCOUNT}")
    assert setup.status_code == 200 and 'id="setup-key"' in setup.content.decode()
    secret = second_factor.secret_of(SecondFactor.objects.get())
    confirmed = client.post(f"/tai-khoan/xac-thuc-hai-lop/?setup=1&next={ACCOUNT}", {
        "code": totp.code_at(secret, totp.time_step(time.time())), "next": ACCOUNT})
    assert confirmed.status_code == 200  # the recovery codes, shown once
    client.post("/tai-khoan/dang-xuat/")
    signed = sign_in(client, CCCD, GOOD)
    assert client.get(signed["Location"])["Location"].startswith("/tai-khoan/xac-thuc-hai-lop/")


def test_the_forgot_page_says_how_many_codes_a_day(client, settings):
    settings.OPENIVAN_PORTAL_RESET_PER_DAY = 2
    assert "Mỗi ngày gửi tối đa 2 mã." in client.get(FORGOT).content.decode()


def test_a_person_is_reminded_by_sms_and_email_before_the_password_expires(
        settings, smsc, mailserver):
    make_person(one_time=False)
    max_age = settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS
    AccountProfile.objects.update(password_changed_at=timezone.now() - timedelta(days=max_age - 10))
    assert jobs.run_periodic()["password_reminders"] == 1
    run_worker()
    text = join_parts(smsc.messages_to("84912345678"))
    assert f"mật khẩu tài khoản giao dịch điện tử {BHXH} hết hạn lúc" in text
    assert "/tai-khoan/doi-mat-khau/" in text and settings.OPENIVAN_AGENCY_HOTLINE in text
    (letter,) = mailserver.messages
    assert letter["To"] == "anh@example.vn"
    assert jobs.run_periodic()["password_reminders"] == 0  # once per password


def test_a_person_without_email_is_still_reminded_by_sms(settings, smsc, mailserver):
    make_person(one_time=False)
    get_user_model().objects.update(email="")
    max_age = settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS
    AccountProfile.objects.update(password_changed_at=timezone.now() - timedelta(days=max_age - 3))
    assert jobs.run_periodic()["password_reminders"] == 1
    run_worker()
    assert "hết hạn lúc" in join_parts(smsc.messages_to("84912345678"))
    assert mailserver.messages == []


def test_a_number_no_network_takes_still_gets_the_email_and_the_others_their_sms(
        settings, smsc, mailserver):
    make_person(phone="0212345678", one_time=False)  # prefix 021: a landline's, stored before
    make_person(bhxh="0123456780", cccd="001090012346", one_time=False)
    max_age = settings.OPENIVAN_PASSWORD_MAX_AGE_DAYS
    AccountProfile.objects.update(password_changed_at=timezone.now() - timedelta(days=max_age - 5))
    assert jobs.run_periodic()["password_reminders"] == 2
    run_worker()
    assert len(mailserver.messages) == 2  # both emails, the first account's too
    assert "hết hạn lúc" in join_parts(smsc.messages_to("84912345678"))
    assert jobs.run_periodic()["password_reminders"] == 0  # both marked
