"""Verify a signed document end to end: parse, schema, signature, certificate, revocation.

This is what the agency's intake and `openivan xml verify` run. The business data it returns is
read from the signed tree only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.pki import (
    CertificateValidation,
    ChainValidator,
    RevocationChecker,
    facts,
    validate_certificate,
)
from openivan.core.xml import document
from openivan.core.xml.codec import XmlModel
from openivan.core.xml.envelope import PROVIDER_SLOT, UNIT_SLOT
from openivan.core.xml.safe import DEFAULT_MAX_BYTES, parse_untrusted
from openivan.core.xmlsig import VerifiedSignature, VerifyPolicy, verify
from openivan.core.xmlsig.sign import find_slot

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class CheckedSignature:
    signature: VerifiedSignature
    certificate: CertificateValidation
    signed_at: datetime  # the covered SigningTime, or the time of verification


@dataclass
class VerifiedDocument:
    signed_tree: etree._ElementTree  # the document as its first signature covers it
    signatures: dict[str, CheckedSignature]  # by slot

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
        order = slots if slots is not None else model_class.SIGNATURE_SLOTS
        if not order:
            raise OpenIvanError("SIG_MISSING")
        if later_slots_optional:
            optional_slots = (*optional_slots, *order[1:])
        checked: dict[str, CheckedSignature] = {}
        signed_tree = None
        present = [s for s in order
                   if s not in optional_slots or len(find_slot(tree.getroot(), s))]
        for index, slot in enumerate(order):
            if slot not in present:
                continue
            earlier, later = order[:index], order[index + 1:]
            signature = verify(tree, slot=slot, earlier_slots=earlier, later_slots=later,
                               policy=self.policy, consume=slot == present[-1])
            checked[slot] = self._check_certificate(signature)
            signed_tree = signed_tree or signature.signed_tree
        if not checked:
            raise OpenIvanError("SIG_MISSING")
        assert signed_tree is not None
        return VerifiedDocument(signed_tree, checked)

    def verify_envelope(self, data: bytes, *, require_provider: bool = True) -> VerifiedDocument:
        optional = () if require_provider else (PROVIDER_SLOT,)
        return self.verify_document(data, slots=(UNIT_SLOT, PROVIDER_SLOT),
                                    optional_slots=optional)

    def _check_certificate(self, signature: VerifiedSignature) -> CheckedSignature:
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
        validation = validate_certificate(signature.certificate, signed_at, self.chains,
                                          self.revocation, signature.chain)
        return CheckedSignature(signature, validation, signed_at)
