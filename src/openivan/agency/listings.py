"""The console's lists: which rows a list's filters select, in which order — for its pages
and for its CSV alike. Read only."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.http import QueryDict

from openivan.agency.models import (
    OPEN_STATUSES,
    Dossier,
    DossierStatus,
    RegistrationStatus,
    UnitRegistration,
)
from openivan.core.identifiers import search_key

QUEUES = {"review": [DossierStatus.NEEDS_REVIEW],
          "waiting": [DossierStatus.AWAITING_ACTIVATION, DossierStatus.CODE_EXPIRED],
          "done": [DossierStatus.ACCEPTED, DossierStatus.REJECTED, DossierStatus.EXPIRED],
          "all": []}
OPEN_QUEUES = ("review", "waiting")  # together: models.OPEN_STATUSES, most urgent first
REGISTRY_FILTERS = {"active": [RegistrationStatus.ACTIVE],
                    "stopped": [RegistrationStatus.STOPPED], "all": []}
# An officer pastes a whole tax code or dossier number far more often than a part of one:
# those are found through their indexes; anything else is read from every row.
WHOLE_TAX_CODE = re.compile(r"\d{10}(-\d{3})?")
WHOLE_DOSSIER_NUMBER = re.compile(r"[A-Z0-9]+-\d{8}-\d{6}")


def overdue_reviews(now: datetime) -> int:
    """Dossiers waiting for an officer past their legal deadline (through the open queues'
    partial index: `OPEN_STATUSES` is repeated so that the planner may use it)."""
    return Dossier.objects.filter(status__in=OPEN_STATUSES, decision_deadline__lt=now).filter(
        status=DossierStatus.NEEDS_REVIEW).count()


@dataclass(frozen=True)
class DossierListing:
    """Hồ sơ: a queue (unknown ones read as the officer's own) and a search."""

    queue: str = "review"
    q: str = ""

    @classmethod
    def from_query(cls, params: QueryDict) -> DossierListing:
        queue = params.get("queue", "review")
        return cls(queue if queue in QUEUES else "review", params.get("q", "").strip())

    def rows(self) -> QuerySet[Dossier]:
        """Open queues most urgent first (the partial index on their deadline); the others
        newest first (the primary key's order is the order of reception, and its index
        serves it)."""
        dossiers = Dossier.objects.select_related("provider")
        if QUEUES[self.queue]:
            dossiers = dossiers.filter(status__in=QUEUES[self.queue])
        if self.q:
            dossiers = dossiers.filter(_dossier_search(self.q))
        return dossiers.order_by(*(["decision_deadline", "pk"] if self.queue in OPEN_QUEUES
                                   else ["-pk"]))

    def query(self) -> str:
        return urlencode(asdict(self))


@dataclass(frozen=True)
class RegistryListing:
    """Danh bạ đơn vị: registrations by unit name, filtered by status and provider."""

    status: str = "active"
    provider: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, params: QueryDict) -> RegistryListing:
        status = params.get("status", "active")
        return cls(status if status in REGISTRY_FILTERS else "active",
                   params.get("provider", "").strip(), params.get("q", "").strip())

    def rows(self) -> QuerySet[UnitRegistration]:
        registrations = UnitRegistration.objects.select_related("provider")
        if REGISTRY_FILTERS[self.status]:
            registrations = registrations.filter(status__in=REGISTRY_FILTERS[self.status])
        if self.provider:
            registrations = registrations.filter(provider__code=self.provider)
        if self.q:
            registrations = registrations.filter(
                Q(tax_code=self.q) if WHOLE_TAX_CODE.fullmatch(self.q) else
                Q(tax_code__contains=self.q) | Q(unit_code=self.q.upper())
                | Q(name_key__contains=search_key(self.q)))
        return registrations.order_by("name_key", "tax_code", "-since")

    def query(self) -> str:
        return urlencode(asdict(self))


def _dossier_search(q: str) -> Q:
    if WHOLE_TAX_CODE.fullmatch(q):
        return Q(unit_tax_code=q)
    if WHOLE_DOSSIER_NUMBER.fullmatch(q.upper()):
        return Q(number=q.upper())
    return (Q(number__icontains=q) | Q(unit_tax_code__contains=q)
            | Q(unit_name_key__contains=search_key(q)))
