"""What notify plugs into the platform (called from NotifyConfig.ready)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_noop

from openivan.notify.services import outbox_checks, reseal_outbox
from openivan.platform import registries


def _reseal(by: str) -> tuple[int, Sequence[int]]:
    done = reseal_outbox(by)
    return done.resealed, done.unreadable


def plug(app: str) -> None:
    registries.monitoring_checks.add(outbox_checks, by=app)
    registries.sealed_fields.add(registries.SealedField(
        gettext_noop("Emails not yet sent, sealed under the current key: %(count)d"),
        "notifications", _reseal), by=app)
