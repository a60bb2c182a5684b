"""Signing in a staff account in tests that are not about signing in: the password (Django's
force_login), then the second factor through the real service — an app set up and its
first code typed — so the session is the one a real officer's browser would hold."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client

from openivan.accounts.services import second_factor
from openivan.core import totp


def sign_in_staff(client: Client, user: Any) -> bytes:
    """The app's secret, for a test that later needs a code of it."""
    client.force_login(user)
    secret = second_factor.enrollment(user).secret
    session = client.session
    second_factor.confirm(user, totp.code_at(secret, totp.time_step(time.time())), session)
    session.save()
    return secret
