"""What the real wire format asks of the intake, beside its pipeline (services/intake.py):

- the message id: real envelopes carry none, so a dossier is known by the provider's
  `Idempotency-Key` header when it sends one, else by the SHA-256 of the signed bytes — the
  agency's answers (MaGiaoDich) refer to that;
- the declaration among the attached files, or none for a procedure the agency does not
  process (received and parked for an officer: "thủ tục chưa hỗ trợ");
- the unit's tax code on every signature, the attached declarations' `Cky` included.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from openivan.core.errors import OpenIvanError
from openivan.core.verification import VerifiedDocument
from openivan.core.xml import document, forms
from openivan.core.xml.envelope import ENVELOPE_PATH, FORM_BY_PROCEDURE, Envelope

I_VAN_FORMS = (forms.IvanRegistration, forms.IvanChange, forms.IvanStop)
Declaration = forms.IvanRegistration | forms.IvanChange | forms.IvanStop
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def message_id(idempotency_key: str | None, digest: str) -> str:
    """MaGiaoDich of a dossier: the provider's key, or the body's SHA-256 (64 hex digits)."""
    if idempotency_key is None:
        return digest
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise OpenIvanError("IDEMPOTENCY_KEY_INVALID")
    return idempotency_key


def handled(procedure_code: str) -> bool:
    """Whether the agency processes this MaThuTuc (docs/integration.md lists them)."""
    return procedure_code in FORM_BY_PROCEDURE


def declaration(verified: VerifiedDocument) -> Declaration | None:
    """The I-VAN declaration of a dossier whose procedure the agency processes; None for a
    procedure it does not (the dossier goes to an officer)."""
    envelope = verified.model
    assert isinstance(envelope, Envelope)
    procedure = envelope.content.dossier.procedure_code
    if not handled(procedure):
        return None
    ours = [a for a in verified.attachments if isinstance(a.model, I_VAN_FORMS)]
    if len(ours) != 1:
        raise OpenIvanError("XML_FIELD_INVALID", path=ENVELOPE_PATH,
                            reason=f"a {procedure} dossier carries exactly one I-VAN declaration")
    attached, found = ours[0], ours[0].model
    assert isinstance(found, I_VAN_FORMS)
    # The signed declaration's own root says which form it is; MaToKhai is written loosely
    # by vendors (`04/DK-IVAN`, `xml`…), so it is not what decides.
    expected = FORM_BY_PROCEDURE[procedure]
    if expected != found.FORM_CODE:
        raise OpenIvanError("XML_FIELD_INVALID",
                            path=f"{ENVELOPE_PATH}/FileToKhai[{attached.index}]",
                            reason=f"{found.FORM_CODE} is not the form of {procedure}")
    return found


def stored_declaration(envelope: Envelope, max_bytes: int) -> Declaration | None:
    """The I-VAN declaration of a stored envelope, chosen by the rule of `declaration`: the
    attached XML whose root is one of our forms (other BHXH forms, PDFs are passed by)."""
    for file in envelope.content.dossier.files:
        if file.kind != "xml":
            continue
        try:
            _, model = document.read(file.content, max_bytes)
        except OpenIvanError:  # a form we do not read (D02-TS…): verified, not ours
            continue
        if isinstance(model, I_VAN_FORMS):
            return model
    return None


def check_signers_mst(verified: VerifiedDocument, declared: str,
                      check_mst: Callable[[str | None, str], None]) -> None:
    """The unit's tax code on the envelope's signature and on every attached declaration's."""
    check_mst(verified.signatures["CKy_Dvi"].certificate.facts.tax_code, declared)
    for attachment in verified.attachments:
        if attachment.signature is None:
            continue
        try:
            check_mst(attachment.signature.certificate.facts.tax_code, declared)
        except OpenIvanError as exc:
            exc.details["attachment"] = attachment.file.file_name
            raise


def record_of_attachments(verified: VerifiedDocument,
                          record: Callable[[object], dict[str, object]]) -> dict[str, object]:
    """The attached declarations' signers for the dossier's verification record, keyed
    `FileToKhai[n]/Cky`."""
    return {f"FileToKhai[{a.index}]/Cky": {**record(a.signature), "file": a.file.file_name}
            for a in verified.attachments if a.signature is not None}
