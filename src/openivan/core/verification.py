"""Verify a signed document end to end: parse, schema, signature, certificate, revocation.

This is what the agency's intake and `openivan xml verify` run. The business data it returns is
read from the signed tree only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Literal

from cryptography import x509
from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.pki import (
    CertificateValidation,
    ChainValidator,
    RevocationChecker,
    facts,
    validate_certificate,
)
from openivan.core.xml import document, forms
from openivan.core.xml.codec import XmlModel
from openivan.core.xml.envelope import (
    ENVELOPE_PATH,
    KNOWN_FOREIGN_FORMS,
    PROVIDER_SLOT,
    UNIT_SLOT,
    AttachedForm,
    Envelope,
    form_key,
)
from openivan.core.xml.safe import DEFAULT_MAX_BYTES, parse_untrusted
from openivan.core.xmlsig import VerifiedSignature, VerifyPolicy, verify
from openivan.core.xmlsig.slots import slot_or_none

DECLARATION_ROOTS = {cls.XML_TAG: cls for cls in forms.DECLARATIONS}
DEFAULT_MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class CheckedSignature:
    signature: VerifiedSignature
    certificate: CertificateValidation
    signed_at: datetime  # the covered SigningTime, or the time of verification


@dataclass(frozen=True)
class VerifiedAttachment:
    """One FileToKhai of a verified envelope, read from the signed tree."""

    index: int  # 1-based, as in the path /Hoso/NoiDung/ThongTinHoSo/ToKhais/FileToKhai[n]
    file: AttachedForm
    # "form": one of our declarations (schema-checked, typed); "foreign": another BHXH
    # declaration (its Cky verified, not read); "opaque": another kind of file (PDF), as is.
    kind: Literal["form", "foreign", "opaque"]
    root: str  # the XML declaration's root element, "" for an opaque file
    model: XmlModel | None  # the typed declaration, for "form"
    signature: CheckedSignature | None  # its unit signature (Cky), for "form" and "foreign"


@dataclass
class VerifiedDocument:
    signed_tree: etree._ElementTree  # the document as its first signature covers it
    signatures: dict[str, CheckedSignature]  # by slot
    attachments: list[VerifiedAttachment] = field(default_factory=list)  # an envelope's files

    @cached_property
    def model(self) -> XmlModel:
        """The typed form, read from the signed tree on first use (callers that only need to
        know the document is valid do not pay for it)."""
        return document.load(self.signed_tree)


@dataclass
class Verifier:
    """Holds the trust configuration; reuse one per process (it caches revocation answers)."""

    chains: ChainValidator
    revocation: RevocationChecker | None
    policy: VerifyPolicy = VerifyPolicy()
    max_bytes: int = DEFAULT_MAX_BYTES
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    # A SigningTime is what the signer's computer says. Without a bound, a key whose
    # certificate has expired (and so left the CRLs) could still sign, dated before the
    # expiry. None (no bound) suits archived documents; a receiver sets one.
    max_signature_age: timedelta | None = None
    # An attached file's decoded size (a PDF scan, an XML declaration).
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES

    def verify_document(self, data: bytes, *, slots: tuple[str, ...] | None = None,
                        optional_slots: tuple[str, ...] = (),
                        later_slots_optional: bool = False) -> VerifiedDocument:
        """Check every signature slot of the document, in signing order.

        `slots` defaults to the form's own slots; an envelope is signed by the unit, then
        countersigned by the provider. Slots in `optional_slots` may be empty, and with
        `later_slots_optional` every slot but the first.
        """
        tree = parse_untrusted(data, self.max_bytes)
        model_class = document.validate_schema(tree)
        if slots is None:  # the form's own slots, and those a later signer may add
            order = (*model_class.SIGNATURE_SLOTS, *model_class.OPTIONAL_SLOTS)
            optional_slots = (*optional_slots, *model_class.OPTIONAL_SLOTS)
        else:
            order = slots
        if not order:
            raise OpenIvanError("SIG_MISSING")
        if later_slots_optional:
            optional_slots = (*optional_slots, *order[1:])
        checked: dict[str, CheckedSignature] = {}
        signed_tree = None
        root = tree.getroot()
        slots_found = {s: slot_or_none(root, s) for s in order}
        present = [s for s, element in slots_found.items() if element is not None and len(element)]
        for slot in order:
            if slot not in present and slot not in optional_slots:
                raise OpenIvanError("SIG_MISSING", slot=slot)
        for index, slot in enumerate(order):
            if slot not in present:
                continue
            earlier = tuple(s for s in order[:index] if slots_found[s] is not None)
            later = order[index + 1:]
            signature = verify(tree, slot=slot, earlier_slots=earlier, later_slots=later,
                               policy=self.policy, consume=slot == present[-1])
            checked[slot] = self._check_certificate(signature)
            signed_tree = signed_tree or signature.signed_tree
        if not checked:
            raise OpenIvanError("SIG_MISSING")
        assert signed_tree is not None
        return VerifiedDocument(signed_tree, checked)

    def verify_envelope(self, data: bytes, *, require_provider: bool = True) -> VerifiedDocument:
        """The envelope's `CKy_Dvi` (and `CKy_IVAN`: required, or checked when present), then
        every attached file: an XML declaration's own `Cky` with the same certificate rules, an
        opaque file's declared length and size."""
        optional = () if require_provider else (PROVIDER_SLOT,)
        verified = self.verify_document(data, slots=(UNIT_SLOT, PROVIDER_SLOT),
                                        optional_slots=optional)
        envelope = verified.model
        if not isinstance(envelope, Envelope):
            raise OpenIvanError("XML_UNKNOWN_FORM", found=type(envelope).__name__)
        # The unit signs its declarations with the certificate it signs the envelope with:
        # that certificate's revocation, checked a moment ago, is not asked again.
        checked = {c.signature.certificate: c.certificate for c in verified.signatures.values()}
        verified.attachments = [self._attachment(index, file, checked) for index, file
                                in enumerate(envelope.content.dossier.files, 1)]
        return verified

    def _attachment(self, index: int, file: AttachedForm,
                    checked: dict[x509.Certificate, CertificateValidation],
                    ) -> VerifiedAttachment:
        where = {"file": file.file_name, "path": f"{ENVELOPE_PATH}/FileToKhai[{index}]"}
        if len(file.content) > self.max_attachment_bytes:
            raise OpenIvanError("ATTACHMENT_TOO_LARGE", size=len(file.content),
                                limit=self.max_attachment_bytes, **where)
        if file.kind != "xml":
            return VerifiedAttachment(index, file, "opaque", "", None, None)
        try:
            return self._xml_attachment(index, file, where, checked)
        except OpenIvanError as exc:
            if exc.code in ("SIG_MISSING", "SIG_SLOT_MISSING"):
                raise OpenIvanError("ATTACHMENT_SIG_MISSING", **where) from exc
            for key, value in where.items():  # which file, whatever went wrong in it
                exc.details.setdefault("attachment" if key == "file" else "attachment_path",
                                       value)
            raise

    def _xml_attachment(self, index: int, file: AttachedForm, where: dict[str, str],
                        checked: dict[x509.Certificate, CertificateValidation],
                        ) -> VerifiedAttachment:
        tree = parse_untrusted(file.content, self.max_attachment_bytes)
        root = tree.getroot()
        name = etree.QName(root)
        if name.localname in DECLARATION_ROOTS and name.namespace is None:
            model_class = DECLARATION_ROOTS[name.localname]
            document.validate_schema(tree)
            slot = model_class.SIGNATURE_SLOTS[0]
            signature = verify(tree, slot=slot, policy=self.policy, consume=True)
            return VerifiedAttachment(
                index, file, "form", name.localname,
                document.load(signature.signed_tree), self._check_certificate(signature, checked))
        known = {form_key(f) for f in KNOWN_FOREIGN_FORMS} | {form_key(file.form_code)}
        if name.namespace is not None or form_key(name.localname) not in known:
            raise OpenIvanError("ATTACHMENT_FORM_UNKNOWN", found=root.tag,
                                file_type=file.file_type, form_code=file.form_code, **where)
        # Another BHXH declaration: its unit signature is checked, its content not read.
        signature = verify(tree, slot=forms.DECLARATION_SLOT, policy=self.policy, consume=True)
        return VerifiedAttachment(index, file, "foreign", name.localname, None,
                                  self._check_certificate(signature, checked))

    def _check_certificate(
        self, signature: VerifiedSignature,
        checked: dict[x509.Certificate, CertificateValidation] | None = None,
    ) -> CheckedSignature:
        now = self.clock()
        cert_facts = facts(signature.certificate)
        signed_at = signature.signing_time or now
        if signed_at > now + CLOCK_SKEW:
            raise OpenIvanError("SIG_TIME_IN_FUTURE", signing_time=signed_at.isoformat())
        if self.max_signature_age is not None and now - signed_at > self.max_signature_age:
            raise OpenIvanError("SIG_TOO_OLD", signing_time=signed_at.isoformat(),
                                hours=int(self.max_signature_age.total_seconds() // 3600))
        outside = not (cert_facts.not_before <= signed_at <= cert_facts.not_after)
        valid_now = cert_facts.not_before <= now <= cert_facts.not_after
        if outside and valid_now:
            raise OpenIvanError("SIG_TIME_OUTSIDE_VALIDITY", signing_time=signed_at.isoformat())
        # An expired (or not yet valid) certificate gets its own code from the chain check.
        known = (checked or {}).get(signature.certificate)
        if known is not None:  # its chain at this signing time; its revocation already known
            chain = self.chains.validate(signature.certificate, signed_at, signature.chain)
            validation = CertificateValidation(known.facts, chain, known.revocation)
        else:
            validation = validate_certificate(signature.certificate, signed_at, self.chains,
                                              self.revocation, signature.chain)
        return CheckedSignature(signature, validation, signed_at)
