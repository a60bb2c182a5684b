"""What accounts plugs into the platform (called from AccountsConfig.ready)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_noop

from openivan.accounts.forms import ThrottledAdminAuthenticationForm
from openivan.accounts.services import second_factor
from openivan.platform import registries


def plug(app: str) -> None:
    # The admin's sign-in counts failures like the portal's (accounts.forms.ThrottledLogin).
    admin.site.login_form = ThrottledAdminAuthenticationForm
    registries.url_includes.add(registries.UrlInclude("tai-khoan/", "openivan.accounts.urls"),
                                by=app)
    registries.sealed_fields.add(registries.SealedField(
        gettext_noop("Authenticator apps of staff accounts, sealed under the current key: "
                     "%(count)d"), "authenticator apps", second_factor.reseal_secrets), by=app)
