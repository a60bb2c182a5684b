"""What a document says about itself: its form, who declares, their MST or ID number, its slot.

Read with core's hardened parser and schema (`document.read`), never from a summary the page
sends. The slot is the first the form declares (the unit's or the person's own signature): the
agent never signs a later slot, such as the I-VAN provider's countersignature.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from openivan.core.dossier import sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.core.signers.pkcs11 import Pkcs11Key
from openivan.core.xml import document, envelope, forms, individual
from openivan.core.xml.safe import parse_untrusted
from openivan.core.xmlsig import sign
from openivan.core.xmlsig.slots import find_slot
from openivan.signer_agent.errors import AgentError
from openivan.signer_agent.tokens import TokenCertificate

# The documents a unit or a person signs; the agency's answers are signed by BHXH only.
SIGNABLE: tuple[type[Any], ...] = (envelope.Envelope, *forms.DECLARATIONS)


@dataclass(frozen=True)
class Prepared:
    data: bytes  # as the page sent it
    tree: etree._ElementTree
    form: str  # "04/ĐK-IVAN", or the forms an envelope carries
    party: str  # the unit's or the person's name
    id_kind: str  # "MST", "CCCD", "CMND", …
    id_number: str
    slot: str

    def as_dict(self) -> dict[str, str]:
        return {"form": self.form, "party": self.party, "id_kind": self.id_kind,
                "id_number": self.id_number, "slot": self.slot}


def _who(model: Any) -> tuple[str, str, str]:
    if isinstance(model, envelope.Envelope):
        unit = model.content.unit
        return unit.name, "MST", unit.tax_code
    header = getattr(model, "header", None)
    if isinstance(header, forms.FormHeader):
        return header.unit_name, "MST", header.tax_code
    if isinstance(model, forms.TransactionRegistration):
        if model.party_type == "ToChuc" and model.tax_code:
            return model.name, "MST", model.tax_code
        return model.name, model.id_type, model.id_number
    raise AgentError("DOC_NOT_SIGNABLE", form=type(model).__name__)


def _form(model: Any) -> str:
    if isinstance(model, envelope.Envelope):
        codes = [f.form_code for f in model.content.dossier.files]
        return ", ".join(dict.fromkeys(codes)) + " (hồ sơ)"
    return str(getattr(model, "FORM_CODE", type(model).__name__))


def prepare(data: bytes, max_bytes: int) -> Prepared:
    tree = parse_untrusted(data, max_bytes)
    if tree.getroot().tag == individual.IndividualRegistration.XML_TAG:
        return _prepare_individual(data, tree)
    tree, model = document.read(data, max_bytes)
    if not isinstance(model, SIGNABLE) or not model.SIGNATURE_SLOTS:
        raise AgentError("DOC_NOT_SIGNABLE", form=_form(model))
    slot = model.SIGNATURE_SLOTS[0]
    element = find_slot(tree.getroot(), slot)
    if len(element) or (element.text or "").strip():
        raise OpenIvanError("SIG_SLOT_OCCUPIED", slot=slot)
    party, id_kind, id_number = _who(model)
    return Prepared(data, tree, _form(model), party, id_kind, id_number, slot)


def _prepare_individual(data: bytes, tree: etree._ElementTree) -> Prepared:
    """01/ĐK-GD of an individual (the portal's): read with its own checks — every field, the
    declared ID number — since it is not one of the I-VAN forms of the schema. The person
    signs in `CKy`; `check_identity` then holds the certificate's CCCD/CMND/passport number
    to the declared one."""
    model = individual.from_element(tree.getroot())
    slot = individual.SLOT
    element = find_slot(tree.getroot(), slot)
    if len(element) or (element.text or "").strip():
        raise OpenIvanError("SIG_SLOT_OCCUPIED", slot=slot)
    return Prepared(data, tree, individual.FORM_CODE, model.full_name, model.id_type,
                    model.id_number, slot)


def sign_prepared(prepared: Prepared, key: Pkcs11Key) -> bytes:
    """The unit's or person's signatures of the document, as core makes them: an envelope's
    attached declarations each in its `Cky`, then the envelope (`core.dossier`); any other
    document in the slot its form declares."""
    if prepared.slot == envelope.UNIT_SLOT:
        return bytes(sign_envelope(prepared.data, key))
    return sign(prepared.tree, key, slot=prepared.slot)


def check_certificate(where: TokenCertificate) -> None:
    """Refuse a certificate that cannot sign now (before any PIN is asked)."""
    info = where.facts
    now = datetime.now(UTC)
    if info.not_after < now:
        raise OpenIvanError("CERT_EXPIRED", not_after=info.not_after.date().isoformat())
    if info.not_before > now:
        raise OpenIvanError("CERT_NOT_YET_VALID", not_before=info.not_before.date().isoformat())


def check_identity(prepared: Prepared, where: TokenCertificate) -> None:
    """The document's MST (or ID number) must be the certificate's (seed 001)."""
    ids = where.facts.ids
    if prepared.id_kind == "MST":
        if ids.tax_code != prepared.id_number:
            raise AgentError("DOC_MST_MISMATCH", document=prepared.id_number,
                             certificate=ids.tax_code or "không có")
        return
    on_certificate = {"CCCD": ids.cccd, "CMND": ids.cmnd, "HoChieu": ids.passport}.get(
        prepared.id_kind)
    if on_certificate != prepared.id_number:
        held = ids.cccd or ids.cmnd or ids.passport or "không có"
        raise AgentError("DOC_ID_MISMATCH", document=prepared.id_number, certificate=held)
