"""Đơn vị: a unit's profile and who may act for it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from openivan.core import declarations
from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mst
from openivan.platform.services import audit
from openivan.provider.models import Membership, Transaction, TransactionStatus, Unit

# The profile's fields a unit may edit on "Thông tin đơn vị" (the tax code names the unit).
PROFILE_FIELDS = ("name", "unit_code", "address", "unit_type", "managing_agency", "province",
                  "legal_representative", "representative_title", "contact_person", "phone",
                  "email", "licence_number", "licence_issuer")


def create_unit(tax_code: str, name: str, by: audit.Actor, **profile: str) -> Unit:
    tax_code = str(parse_mst(tax_code))
    with transaction.atomic():
        if Unit.objects.filter(tax_code=tax_code).exists():
            raise OpenIvanError("UNIT_EXISTS", tax_code=tax_code)
        unit = Unit.objects.create(tax_code=tax_code, name=name.strip(), **_clean(profile))
        audit.record(by, "unit.created", f"unit:{tax_code}", name=unit.name)
    return unit


def update_profile(unit: Unit, changes: dict[str, Any], by: audit.Actor) -> Unit:
    """Save the edited profile; the audit log keeps what changed."""
    cleaned = _clean(changes)
    with transaction.atomic():
        locked = Unit.objects.select_for_update().get(pk=unit.pk)
        changed = {k: v for k, v in cleaned.items() if getattr(locked, k) != v}
        for name, value in changed.items():
            setattr(locked, name, value)
        locked.save()
        if changed:
            audit.record(by, "unit.profile_changed", f"unit:{unit.tax_code}",
                         fields=sorted(changed))
    return locked


def grant(unit: Unit, user: AbstractBaseUser, by: audit.Actor) -> None:
    """Give `user` (the unit's own account, or a firm's staff) the right to act for `unit`."""
    with transaction.atomic():
        _, made = Membership.objects.get_or_create(unit=unit, user=user)
        if made:
            audit.record(by, "unit.granted", f"unit:{unit.tax_code}",
                         user=user.get_username())


def units_of(user: AbstractBaseUser) -> list[Unit]:
    return list(Unit.objects.filter(memberships__user=user).order_by("name", "tax_code"))


def unit_for(user: AbstractBaseUser, tax_code: str) -> Unit:
    """The unit `user` may act for; UNIT_NOT_FOUND for any other (whether it exists or not)."""
    unit = Unit.objects.filter(tax_code=tax_code, memberships__user=user).first()
    if unit is None:
        raise OpenIvanError("UNIT_NOT_FOUND", tax_code=tax_code)
    return unit


def profile_of(unit: Unit) -> declarations.UnitProfile:
    return declarations.UnitProfile(
        tax_code=unit.tax_code, name=unit.name, unit_code=unit.unit_code or None,
        **{f: getattr(unit, f) for f in PROFILE_FIELDS if f not in ("name", "unit_code")})


def _clean(values: dict[str, Any]) -> dict[str, str]:
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    return {k: str(v or "").strip() for k, v in values.items()}


def is_registered(unit: Unit) -> bool:
    """Whether the agency's last decision on this unit's registration with this provider left
    it registered (an accepted 04 or 05 after any accepted stop)."""
    last = (Transaction.objects.filter(unit=unit, status=TransactionStatus.ACCEPTED)
            .exclude(kind="stop_other").order_by("-decided_at", "-id").first())
    return last is not None and last.kind in ("register", "change")


def actions(unit: Unit) -> list[str]:
    """The toolbar of "Đơn vị", each button only where it applies: no change or stop before
    a registration is accepted, no second registration while one holds."""
    registered = is_registered(unit)
    shown = ["change", "stop"] if registered else ["register"]
    return [*shown, "stop_other", "history"]
