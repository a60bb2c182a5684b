"""What a person reads for the platform's stable codes: the steps of a dossier's timeline,
the results of the answers and the actions of the audit log. The code stays the record (and
is shown in small print beside its name)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from openivan.platform import registries

STEPS = {
    "TIEP_NHAN": _("Received"),
    "GUI_MA_XAC_NHAN": _("Confirmation code sent"),
    "MA_XAC_NHAN_SAI": _("Wrong confirmation code"),
    "CAP_LAI_MA": _("New confirmation code issued"),
    "XAC_NHAN": _("Confirmed by the unit"),
    "CHO_CAN_BO": _("Passed to an officer"),
    "CHAP_NHAN": _("Accepted"),
    "TU_CHOI": _("Rejected"),
    "HET_HAN": _("Code expired"),
    "MA_HET_HAN": _("Code ran out unused"),
    "THONG_BAO": _("Email queued"),
    "THONG_BAO_SENT": _("Email sent"),
    "THONG_BAO_RETRY": _("Email failed, to be retried"),
    "THONG_BAO_FAILED": _("Email not sent"),
    "THONG_BAO_LOST": _("Email sending interrupted"),
    "THONG_BAO_REQUEUED": _("Email queued again"),
    "THONG_BAO_EXPIRED": _("Email out of date, not sent"),
}

ANSWER_RESULTS = {
    "ChapNhanXuLy": _("Accepted for processing"),
    "DaTiepNhan": _("Received"),
    "ChapNhan": _("Accepted"),
    "TuChoi": _("Rejected"),
}

AUDIT_ACTIONS = {
    "account.issued": _("Account issued"),
    "account.login": _("Signed in"),
    "account.login_failed": _("Failed sign-in"),
    "account.login_locked": _("Account locked after failed sign-ins"),
    "account.device_locked": _("Browser locked after failed sign-ins"),
    "client.login_locked": _("Address locked after failed sign-ins"),
    "account.password_changed": _("Password changed"),
    "account.password_reissued": _("One-time password issued again"),
    "account.password_expiry_reminded": _("Reminded of password expiry"),
    "account.recovery_codes_renewed": _("Recovery codes renewed"),
    "account.second_factor_enrolled": _("Two-step verification set up"),
    "account.second_factor_passed": _("Two-step verification passed"),
    "account.second_factor_failed": _("Wrong two-step verification code"),
    "account.second_factor_locked": _("Two-step verification locked"),
    "account.second_factor_reset": _("Two-step verification reset"),
    "activation.reissued": _("New confirmation code issued"),
    "dossier.accepted": _("Dossier accepted"),
    "dossier.rejected": _("Dossier rejected"),
    "notification.requeued": _("Email sent again"),
    "registration.started": _("Registration started"),
    "registration.renewed": _("Registration renewed"),
    "registration.changed": _("Registration changed"),
    "registration.stop_scheduled": _("Registration stop scheduled"),
    "registration.unit_code_changed": _("Unit code given to the registration"),
    "registration.stopped": _("Registration stopped"),
    "provider.registered": _("Provider registered"),
    "provider.suspended": _("Provider suspended"),
    "provider.activated": _("Provider activated"),
    "provider.key_rotated": _("Provider's API key rotated"),
    "provider.certificate_added": _("Provider's certificate added"),
    "provider.certificate_removed": _("Provider's certificate removed"),
    "provider.countersignature_required": _("Provider's countersignature required"),
    "provider.countersignature_optional": _("Provider's countersignature optional"),
    "console.exported": _("List exported (CSV)"),
    "console.downloaded": _("Dossier downloaded"),
    "data_key.resealed": _("Data resealed under a new key"),
    "audit.pruned": _("Old audit events deleted"),
    "admin.added": _("Added in the admin"),
    "admin.changed": _("Changed in the admin"),
    "admin.deleted": _("Deleted in the admin"),
}


def audit_actions() -> dict[str, str]:
    """The agency's audit actions and those other apps name (registries.audit_action_labels),
    in the request's language."""
    plugged = {entry.action: gettext(entry.label) for entry in registries.audit_action_labels}
    return {**{code: str(label) for code, label in AUDIT_ACTIONS.items()}, **plugged}


def name(names: dict[str, str], code: str) -> str:
    return str(names.get(code, code))
