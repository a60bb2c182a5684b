"""Ký từ xa (HSM / CSC): a person's 01/ĐK-GD signed by their remote signing service.

The person gives the service, the account and its password; the page lists the account's
credentials, each judged against the declaration (the CCCD/CMND in the certificate must be the
declared one, core.xml.individual.check_person_certificate). Choosing one stores the unsigned
declaration with the password sealed, and the job (platform.jobs, portal/background.py) signs
it outside any request — the holder may approve on a phone for minutes — then hands the
signed bytes to the intake (`intake.receive_signed`), which checks them as any signed
declaration. The password is wiped when the job is done or has failed.

Failures keep their code for the page: the account refused (CSC_AUTH_FAILED), a certificate of
another person (CERT_PERSON_MISMATCH), the intake's refusals — at once; the service out of
reach (CSC_UNAVAILABLE) is tried again after the queue's backoff, then failed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from openivan.agency import services as agency
from openivan.core.errors import OUTAGES, OpenIvanError
from openivan.core.pki.facts import CertificateFacts, facts
from openivan.core.pki.validate import validate_certificate
from openivan.core.signers.csc import CscAccount, CscClient, CscKey, account_credentials
from openivan.core.xml import individual
from openivan.platform import sealing
from openivan.platform.services import audit
from openivan.portal.models import JobStatus, RemoteSigning
from openivan.portal.services import intake
from openivan.portal.states import REMOTE_SIGNING

QUEUE = "portal.remote_sign"
# Out of reach is worth another try; a refusal stays a refusal.
RETRYABLE = {"CSC_UNAVAILABLE"}


@dataclass(frozen=True)
class Offered:
    """One credential of the account, and why it may not sign this declaration (if so)."""

    credential: str
    facts: CertificateFacts
    refusal: OpenIvanError | None


def offered(service: CscAccount, model: individual.IndividualRegistration) -> list[Offered]:
    """The account's credentials, each judged for the declared person and, as the processing
    will judge it, for its chain, validity and revocation now — so that a person whose
    account holds an old or revoked certificate of theirs is not left to pick it."""
    verifier = agency.verifier()
    now = timezone.now()
    found = []
    for credential in account_credentials(service.url, service.account, service.password):
        refusal = None
        try:
            individual.check_person_certificate(credential.certificate, model)
            validate_certificate(credential.certificate, now, verifier.chains,
                                 verifier.revocation, credential.chain)
        except OpenIvanError as exc:
            # A CA's responder out of reach says nothing of the certificate: the processing
            # asks again.
            refusal = None if exc.code in OUTAGES else exc
        found.append(Offered(credential.credential_id, facts(credential.certificate), refusal))
    return found


def request(model: individual.IndividualRegistration, service: CscAccount,
            credential: str, *, now: datetime | None = None) -> RemoteSigning:
    """Ký: the unsigned declaration and the sealed password stored with their job, in one
    transaction. The credential is judged again when the job fetches it from the service
    (not believed from the page)."""
    now = now or timezone.now()
    if not credential:
        raise OpenIvanError("PORTAL_CREDENTIAL_NOT_CHOSEN")
    document = individual.build(model)
    with transaction.atomic():
        # A second click on "Ký" (or a reload) while the first is still being signed: the
        # same declaration waits once, not twice (two approvals on the phone, one refused).
        waiting = RemoteSigning.objects.select_for_update().filter(
            bhxh_number=model.bhxh_number, credential=credential,
            status__in=(JobStatus.PENDING, JobStatus.RUNNING)).order_by("-pk")
        for earlier in waiting[:5]:
            if bytes(earlier.document) == document:
                return earlier
        row = RemoteSigning.objects.create(
            token=secrets.token_urlsafe(32), document=document,
            bhxh_number=model.bhxh_number, service_url=service.url, account=service.account,
            sealed_password=sealing.seal(service.password), credential=credential,
            next_attempt_at=now, created_at=now)
        audit.record(None, "portal.remote_signing.requested", f"portal.remote_signing:{row.pk}",
                     bhxh_number=model.bhxh_number, service=service.url, credential=credential)
    return row


def find(token: str) -> RemoteSigning | None:
    return RemoteSigning.objects.select_related("declaration").filter(token=token).first()


def sign(row: RemoteSigning) -> None:
    """The job: the service signs (no database transaction held meanwhile), then the signed
    bytes are received and the row points at their declaration, in one transaction. Any
    failure is kept on the row with its code and raised for the queue to retry or fail."""
    row = RemoteSigning.objects.get(pk=row.pk)
    if row.declaration_id is not None:
        return  # signed and received before its worker died: a retry has one effect, not two
    try:
        signed = _signed_by_service(row)
        with transaction.atomic():
            declaration = intake.receive_signed(signed)
            RemoteSigning.objects.filter(pk=row.pk).update(declaration=declaration,
                                                           error_code="", error={})
            audit.record(None, "portal.remote_signing.signed", f"portal.remote_signing:{row.pk}",
                         reference=declaration.reference)
    except OpenIvanError as exc:
        RemoteSigning.objects.filter(pk=row.pk).update(
            error_code=exc.code, error={"vi": exc.message("vi"), "en": exc.message("en")})
        raise


def _signed_by_service(row: RemoteSigning) -> bytes:
    document = bytes(row.document)
    model = individual.read(document, today=timezone.localdate())
    client = CscClient(row.service_url, row.account, sealing.unseal(bytes(row.sealed_password)))
    try:
        client.login()
        credential = client.credential(row.credential)
        individual.check_person_certificate(credential.certificate, model)
        return individual.sign(document, CscKey(client, credential), chain=list(credential.chain))
    finally:
        client.close()


def retryable(exc: Exception) -> bool:
    """Out of reach (the service, a CA's responder, the database): tried again."""
    if isinstance(exc, OpenIvanError):
        return exc.code in RETRYABLE or exc.code in OUTAGES
    return True


def wiped(row: RemoteSigning) -> dict[str, object]:
    """Done: the password is no longer needed (the queue writes this with `done`)."""
    return {"sealed_password": b""}


def note_attempt(row: RemoteSigning, outcome: str, detail: str, now: datetime) -> None:
    """The queue's log: failed for good, the password is wiped and the failure audited; a job
    lost by a dead worker keeps it (it is run again)."""
    if outcome == "failed":
        REMOTE_SIGNING.check(JobStatus.RUNNING, JobStatus.FAILED)
        RemoteSigning.objects.filter(pk=row.pk).update(sealed_password=b"")
        audit.record(None, "portal.remote_signing.failed", f"portal.remote_signing:{row.pk}",
                     error=detail[:200])


def reseal_passwords(by: str) -> tuple[int, list[int]]:
    """`openivan manage reseal`: the passwords of remote signings still waiting, sealed under
    the current key (the others are wiped already)."""
    with transaction.atomic():
        rows = RemoteSigning.objects.exclude(sealed_password=b"")
        moved, unreadable = sealing.reseal_rows(rows, "sealed_password")
        audit.record(by, "data_key.resealed", "portal.remotesigning", resealed=moved,
                     unreadable=len(unreadable))
    return moved, unreadable
