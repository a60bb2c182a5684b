"""Agency staff in tests: an officer's account, its authenticator app, and signing it in —
through the real services and pages, so a session is the one a real officer's browser holds."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import Permission, User
from django.test import Client

from openivan.accounts.services import second_factor
from openivan.core import totp

PASSWORD = "Mat-khau-dai-2026"


def new_officer(username: str = "canbo01") -> User:
    """An account that may decide dossiers (cán bộ xử lý), with PASSWORD."""
    user = User.objects.create_user(username, password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="decide_dossier"))
    return user


def app_set_up_a_step_ago(user: Any) -> bytes:
    """The account's app, set up one time step ago (so the code of now is still unused);
    its secret."""
    secret = second_factor.enrollment(user).secret
    earlier = time.time() - totp.PERIOD
    second_factor.confirm(user, totp.code_at(secret, totp.time_step(earlier)), {}, now=earlier)
    return secret


def sign_in_staff(client: Client, user: Any) -> bytes:
    """For tests not about signing in: the password (Django's force_login), then the app set
    up and its first code typed. The app's secret, for a test that later needs a code of it."""
    client.force_login(user)
    secret = second_factor.enrollment(user).secret
    session = client.session
    second_factor.confirm(user, totp.code_at(secret, totp.time_step(time.time())), session)
    session.save()
    return secret


def password_in_browser(page: Any, url: str, username: str = "canbo01") -> None:
    """Open `url` and sign in with the password on the sign-in page it leads to."""
    page.goto(url)
    page.get_by_label("Tài khoản").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
