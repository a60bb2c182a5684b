"""Sổ đăng ký đơn vị: what the registry of units says about a unit, and the declaration a
stored dossier holds. Read by the intake (to refuse a message) and by the decisions (to apply
it), so it lives apart from both: intake -> activation -> decisions -> intake was a loop."""

from __future__ import annotations

from django.conf import settings

from openivan.agency.models import Dossier, RegistrationStatus, ReviewReason, UnitRegistration
from openivan.agency.services import wire
from openivan.core.errors import OpenIvanError
from openivan.core.xml import document
from openivan.core.xml.envelope import Envelope

Declaration = wire.Declaration


def declaration_of(dossier: Dossier) -> Declaration | None:
    """The declaration inside a stored dossier (its bytes were verified at reception); None
    for a procedure the agency does not process."""
    if dossier.review_reason == ReviewReason.UNSUPPORTED_PROCEDURE:
        return None
    _, envelope = document.read(bytes(dossier.signed_bytes), settings.OPENIVAN_MAX_BODY_BYTES)
    assert isinstance(envelope, Envelope)
    return wire.stored_declaration(envelope, settings.OPENIVAN_MAX_BODY_BYTES)


def registered_unit_code(tax_code: str) -> str:
    """The unit code the registry holds for a unit ("" when none): the one of its latest
    registration that has one. One unit has one current code."""
    return (UnitRegistration.objects.filter(tax_code=tax_code).exclude(unit_code="")
            .order_by("status", "-since", "-id")  # active before stopped, newest first
            .values_list("unit_code", flat=True).first() or "")


def check_unit_code(tax_code: str, declared: str) -> str:
    """The unit code a declaration stands for: the registry's when it names none; a code
    other than the registry's is refused (UNIT_CODE_MISMATCH), never applied."""
    registered = registered_unit_code(tax_code)
    if declared and registered and declared != registered:
        raise OpenIvanError("UNIT_CODE_MISMATCH", tax_code=tax_code, declared=declared,
                            registered=registered)
    return declared or registered


def active_registration(tax_code: str, ivan_code: str) -> UnitRegistration | None:
    """The unit's running registration with this provider, which a 05 or 06 refers to."""
    return UnitRegistration.objects.select_related("provider").filter(
        tax_code=tax_code, provider__code=ivan_code, status=RegistrationStatus.ACTIVE).first()
