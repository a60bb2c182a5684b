"""The portal's background work (platform.jobs): the automatic processing of a declaration
signed with a certificate, within the 15 minutes.

The job checks, in order: the signature in CKy, every field, the certificate's chain at the
signing time and its revocation now (the agency's own verifier: the same trust store, OCSP
cache and policy as the intake of dossiers), that the certificate is the declared person's,
and the declaration against the agency's records. It ends in `decisions.accept` or
`decisions.reject` naming every reason found. A CA's OCSP responder or CRL out of reach is an
outage, not a refusal: the job raises and the queue tries again after its backoff."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from openivan.agency import services as agency
from openivan.core.errors import OUTAGES, OpenIvanError
from openivan.core.records import Mismatch, find_and_match
from openivan.core.xml import individual
from openivan.portal.models import Declaration, DeclarationJob, DeclarationStatus
from openivan.portal.services import decisions, lookup

PROCESS_QUEUE = "portal.process"
# A refusal with one of these is not compared with the records: a signature that does not
# hold, or a certificate that is not the declared person's (anyone's valid certificate must not
# learn which guessed details match a stranger's record).
_UNTRUSTED_CONTENT = ("SIG_", "XML_", "DECLARATION_", "CERT_")


def process(job: DeclarationJob) -> None:
    """One try; an outage raises (retried), any refusal becomes the decision."""
    declaration = Declaration.objects.get(pk=job.declaration_id)
    if declaration.status != DeclarationStatus.RECEIVED:
        return  # decided already (a try that died after its decision committed)
    data = bytes(declaration.document)
    verifier = agency.verifier()
    error: OpenIvanError | None = None
    try:
        verified = individual.verify_signed(
            data, chains=verifier.chains, revocation=verifier.revocation,
            today=timezone.localdate(declaration.received_at))
        _check_signing_time(verified.signature.signing_time, declaration)
        model = verified.declaration
    except OpenIvanError as exc:
        if exc.code in OUTAGES:
            raise
        error = exc
        model = None if exc.code.startswith(_UNTRUSTED_CONTENT) else individual.read(
            data, today=timezone.localdate(declaration.received_at))
    mismatches: list[Mismatch] = []
    if model is not None:
        mismatches = find_and_match(model, lookup.record).mismatches
    if error is None and not mismatches:
        try:
            decisions.accept(declaration.pk)
            return
        except OpenIvanError as exc:  # an account issued meanwhile (at the desk)
            if exc.code != "PORTAL_ACCOUNT_EXISTS":
                raise
            error = exc
    decisions.reject(declaration.pk, decisions.reasons_of(error, mismatches))


def _check_signing_time(signed_at, declaration: Declaration) -> None:  # type: ignore[no-untyped-def]
    """A signature dated long before reception is refused (SIG_TOO_OLD): otherwise a key whose
    certificate expired or was revoked could sign dated back into its validity."""
    limit = timedelta(hours=settings.OPENIVAN_MAX_SIGNATURE_AGE_HOURS)
    if signed_at is not None and declaration.received_at - signed_at > limit:
        raise OpenIvanError("SIG_TOO_OLD", signing_time=signed_at.isoformat(),
                            hours=settings.OPENIVAN_MAX_SIGNATURE_AGE_HOURS)


def note_attempt(job: DeclarationJob, outcome: str, detail: str, now: object) -> None:
    """The queue's log: the last error kept with the job (the agency's pages show it)."""
    if outcome in ("retry", "failed", "lost"):
        DeclarationJob.objects.filter(pk=job.pk).update(last_error=detail[:200])


def of_kind(kind: str):  # type: ignore[no-untyped-def]
    return lambda now: Q(kind=kind)


