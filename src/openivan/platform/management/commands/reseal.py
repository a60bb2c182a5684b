"""After a data-key rotation: move the secrets at rest to the new key.

    openivan manage reseal

Seals the secrets each installed app keeps at rest (platform.registries.sealed_fields: the emails
not yet sent, the staff's authenticator-app secrets, …) under the current OPENIVAN_DATA_KEY (or
SECRET_KEY), then says
until when the old key must stay in OPENIVAN_DATA_KEY_FALLBACKS (or SECRET_KEY_FALLBACKS):
confirmation codes already sent are kept only as digests and cannot move, so the old key is
needed until the last of them expires. Exits 1 if a secret opens with no key at all."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from openivan.core.calendar import shown
from openivan.core.errors import OpenIvanError
from openivan.core.language import language
from openivan.platform import registries
from openivan.platform.management.shell import actor, refusal


class Command(BaseCommand):
    help = "Seal the secrets at rest under the current data key and say when old keys may go"

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(language()):
            self._reseal()

    def _reseal(self) -> None:
        unreadable = []
        # What each installed app keeps sealed (registries.sealed_fields), in its order.
        for field in registries.sealed_fields:
            moved, lost = field.reseal(actor())
            self.stdout.write(_(field.done) % {"count": moved})
            if lost:
                unreadable.append(f"{field.what} {', '.join(map(str, lost))}")
        until = max((t for t in (need() for need in registries.old_key_needed) if t is not None),
                    default=None)
        if until is None:
            self.stdout.write(_("No confirmation code sent is still usable: the old keys may "
                                "be removed once every web process and worker has the new one."))
        else:
            self.stdout.write(_("Confirmation codes already sent need the old keys until "
                                "%(until)s: keep them as fallbacks until then.")
                              % {"until": shown(until)})
        if unreadable:
            raise refusal(OpenIvanError("DATA_KEY_UNKNOWN"), f" ({'; '.join(unreadable)})")
