"""What a person reads for the agency's answer codes (the code stays in small print)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ANSWER_KINDS = {
    "technical": _("Technical answer"),
    "reception": _("Reception answer"),
    "decision": _("Decision answer"),
}
ANSWER_RESULTS = {
    "ChapNhanXuLy": _("Accepted for processing"),
    "DaTiepNhan": _("Received"),
    "KhongTiepNhan": _("Not received"),
    "ChapNhan": _("Accepted"),
    "TuChoi": _("Rejected"),
}
