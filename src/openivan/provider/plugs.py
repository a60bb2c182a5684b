"""What the provider plugs into the platform (called from ProviderConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from openivan.platform import registries


def plug(app: str) -> None:
    from openivan.provider.services import accounts, certificates

    registries.url_includes.add(registries.UrlInclude("", "openivan.provider.urls"), by=app)
    registries.sealed_fields.add(registries.SealedField(
        gettext_noop("Units' HSM passwords and certificate files, sealed under the current "
                     "key: %(count)d"), "units' certificate secrets",
        certificates.reseal_secrets), by=app)
    # The header shows "0101300842", not the stored "ivan:0101300842".
    registries.account_names.add(accounts.shown_name, by=app)
