"""The agency's signed answers and the dossier's processing steps."""

from __future__ import annotations

import base64
from datetime import datetime

from django.utils import timezone

from openivan.agency import trust
from openivan.agency.models import Answer, AnswerKind, Dossier, ProcessingStep
from openivan.core.errors import OpenIvanError
from openivan.core.xml import codec, forms
from openivan.core.xmlsig import sign
from openivan.notify.services import timeline as notify_timeline

AGENCY_SLOT = "CKy_BHXH"


def step(dossier: Dossier, code: str, description: str,
         at: datetime | None = None) -> ProcessingStep:
    """A step not yet saved (for bulk_create)."""
    return ProcessingStep(dossier=dossier, code=code, description=description[:500],
                          at=at or timezone.now())


def add_step(dossier: Dossier, code: str, description: str, at: datetime | None = None) -> None:
    step(dossier, code, description, at).save()


def signed(model: codec.XmlModel, at: datetime | None = None) -> bytes:
    """An agency document signed with the agency's key (Chữ ký của cơ quan BHXH)."""
    return sign(codec.to_bytes(model), trust.agency_key(), slot=AGENCY_SLOT, signing_time=at)


def answer(dossier: Dossier, kind: AnswerKind, model: codec.XmlModel, at: datetime) -> Answer:
    """A signed answer, not yet saved (see `give_answer`)."""
    data = codec.to_dict(model)
    return Answer(dossier=dossier, kind=kind, result=data["result"],
                  signed_xml=signed(model, at), data=data, created_at=at)


def give_answer(dossier: Dossier, kind: AnswerKind, model: codec.XmlModel,
                at: datetime) -> Answer:
    made = answer(dossier, kind, model, at)
    made.save()
    return made



def refusal(error: OpenIvanError, provider_code: str) -> bytes:
    """A signed technical answer refusing a message (nothing is stored for it). The message id
    is not known: a refused message's content is not trusted."""
    return signed(forms.TechnicalAck(
        "KHONG-XAC-DINH", provider_code, timezone.localtime().replace(microsecond=0), "TuChoi",
        [forms.ReasonItem(error.code, error.message_vi[:2000], error.details.get("path"))]))


def encode_xml(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def timeline(dossier: Dossier) -> list[tuple[datetime, str, str]]:
    """The processing steps and the notifications with their deliveries, in time order."""
    entries = [(s.at, s.code, s.description) for s in dossier.steps.all()]
    entries += [(e.at, e.code, e.description) for e in notify_timeline(dossier.number)]
    return sorted(entries, key=lambda e: e[0])
