"""What the portal plugs into the platform (called from PortalConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from openivan.platform import registries
from openivan.portal import checks


def plug(app: str) -> None:
    from openivan.portal.services import accounts, remote_signing

    registries.url_includes.add(registries.UrlInclude("", "openivan.portal.urls"), by=app)
    registries.api_routers.add(registries.ApiRouter("/portal", "openivan.portal.api.router"),
                               by=app)
    registries.monitoring_checks.add(checks.monitoring_checks, by=app)
    # The individuals' pages on the front page: 01/ĐK-GD and the status lookup.
    registries.home_links.add(registries.HomeLink(
        gettext_noop("Individuals: register for e-transactions"), "portal:declare"), by=app)
    registries.home_links.add(registries.HomeLink(
        gettext_noop("Look up a declaration"), "portal:lookup"), by=app)
    registries.sealed_fields.add(registries.SealedField(
        gettext_noop("Passwords of remote signings still waiting, sealed under the current "
                     "key: %(count)d"), "remote signing passwords",
        remote_signing.reseal_passwords), by=app)
    # The desk and the records' imports in the officers' console, and the names of the
    # portal's audit actions in its audit log.
    registries.console_links.add(registries.ConsoleLink(
        gettext_noop("Reception desk"), "portal:desk", "portal.desk"), by=app)
    registries.console_links.add(registries.ConsoleLink(
        gettext_noop("Records of insured persons"), "portal:records-imports",
        "portal.import_records"), by=app)
    # A person's own number, so that the accounts app's notices (a password about to expire)
    # reach them by SMS too.
    registries.account_phones.add(accounts.phone_of, by=app)
    for action, label in AUDIT_ACTIONS.items():
        registries.audit_action_labels.add(registries.AuditActionLabel(action, label), by=app)


AUDIT_ACTIONS = {
    "declaration.confirmed": gettext_noop("Individual's declaration confirmed"),
    "portal.declaration.received": gettext_noop("Individual's declaration received"),
    "portal.declaration.accepted": gettext_noop("Individual's declaration accepted"),
    "portal.declaration.rejected": gettext_noop("Individual's declaration rejected"),
    "portal.declaration.cancelled": gettext_noop("Individual's declaration cancelled (not filed)"),
    "portal.desk.searched": gettext_noop("Desk: declarations searched"),
    "portal.desk.viewed": gettext_noop("Desk: declaration viewed"),
    "portal.desk.accepted": gettext_noop("Desk: declaration accepted"),
    "portal.desk.rejected": gettext_noop("Desk: declaration rejected"),
    "portal.desk.paper_entered": gettext_noop("Desk: paper declaration entered"),
    "portal.desk.reminded": gettext_noop("Desk: person reminded to file"),
    "portal.records.uploaded": gettext_noop("Records file uploaded"),
    "portal.records.imported": gettext_noop("Records imported"),
    "portal.records.import_failed": gettext_noop("Records import failed"),
    "portal.reset_code_sent": gettext_noop("Individual: password reset code sent"),
    "portal.reset_code_wrong": gettext_noop("Individual: wrong password reset code"),
    "portal.reset_refused": gettext_noop("Individual: password reset refused"),
    "portal.reset_unknown": gettext_noop("Password reset for an unknown person"),
    "portal.password_reset": gettext_noop("Individual: password reset"),
}
