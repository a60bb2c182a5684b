"""After a data-key rotation: move the secrets at rest to the new key.

    openivan manage reseal

Seals every email not yet sent, and every staff account's authenticator-app secret, under the
current OPENIVAN_DATA_KEY (or SECRET_KEY), then says
until when the old key must stay in OPENIVAN_DATA_KEY_FALLBACKS (or SECRET_KEY_FALLBACKS):
confirmation codes already sent are kept only as digests and cannot move, so the old key is
needed until the last of them expires. Exits 1 if an email opens with no key at all."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from openivan.accounts.services import second_factor
from openivan.cli import language
from openivan.core.calendar import shown
from openivan.core.errors import OpenIvanError
from openivan.notify.services import reseal_outbox
from openivan.platform.management.shell import actor, refusal


class Command(BaseCommand):
    help = "Seal the outbox under the current data key and say when old keys may go"

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(language()):
            self._reseal()

    def _reseal(self) -> None:
        done = reseal_outbox(actor())
        self.stdout.write(_("Emails not yet sent, sealed under the current key: %(count)d")
                          % {"count": done.resealed})
        apps_moved, apps_unreadable = second_factor.reseal_secrets(actor())
        self.stdout.write(_("Authenticator apps of staff accounts, sealed under the current "
                            "key: %(count)d") % {"count": apps_moved})
        until = None
        if apps.is_installed("openivan.agency"):
            from openivan.agency.services.activation import codes_live_until

            until = codes_live_until()
        if until is None:
            self.stdout.write(_("No confirmation code sent is still usable: the old keys may "
                                "be removed once every web process and worker has the new one."))
        else:
            self.stdout.write(_("Confirmation codes already sent need the old keys until "
                                "%(until)s: keep them as fallbacks until then.")
                              % {"until": shown(until)})
        if done.unreadable or apps_unreadable:
            raise refusal(OpenIvanError("DATA_KEY_UNKNOWN"),
                          f" (notifications {', '.join(map(str, done.unreadable))};"
                          f" authenticator apps {', '.join(map(str, apps_unreadable))})")
