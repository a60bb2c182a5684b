"""The periodic sweeps of every installed app, run by the worker."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def run_all() -> dict[str, Any]:
    from openivan.accounts.services import remind_expiring_passwords
    from openivan.notify import services as notify
    from openivan.platform.services.monitoring import forget_gone_workers
    from openivan.platform.services.throttles import sweep_throttles

    results: dict[str, Any] = {"notifications_recovered": notify.recover_abandoned(),
                               "notifications_outdated": notify.expire_outdated(),
                               "throttles_forgotten": sweep_throttles(),
                               "password_reminders": remind_expiring_passwords(),
                               "workers_forgotten": forget_gone_workers()}
    if "agency" in settings.ROLES:
        from openivan.agency.services import activation, decisions

        results["activations_expired"] = activation.expire_overdue()
        results["registrations_stopped"] = decisions.stop_ended_registrations()
    return results
