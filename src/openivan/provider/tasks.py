"""The provider's background work (platform.jobs): signing with an HSM (its holder may approve
on a phone for minutes), sending to the agency (retried with backoff while it is out of
reach or busy, the same bytes each time), the decision poll and the expiry warnings.

A job is a `TransactionJob` row written in the same database transaction as the change it
follows (`services.queueing.later`), so that a transaction is never "Đang gửi" without its
job, nor the other way round, and a restart of the service loses neither."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from openivan.core import agency_client
from openivan.core.errors import OpenIvanError
from openivan.provider import settings as provider_settings
from openivan.provider.models import Transaction, TransactionJob, TransactionStatus
from openivan.provider.services import sending, transactions

SIGN_QUEUE, SEND_QUEUE = "provider.sign", "provider.send"


def sign(job: TransactionJob) -> None:
    """The HSM signs the fixed bytes (no database transaction held meanwhile); signed, the
    transaction goes to sending. A refusal gives the draft back with why (no retry: a wrong
    password stays wrong)."""
    tx = transactions.sign_with_hsm(job.transaction_id)
    if tx.status == TransactionStatus.SIGNED:
        sending.queue(tx.pk)


def send(job: TransactionJob) -> None:
    """One try: the agency out of reach or busy raises (AGENCY_UNREACHABLE), and the job is
    tried again after its backoff; received or refused, it is done."""
    client = provider_settings.agency_client()
    try:
        sending.send(job.transaction_id, client)
    finally:
        client.close()


def agency_away(error: Exception) -> bool:
    """The agency's gateway out of reach or busy (AGENCY_UNREACHABLE)."""
    return isinstance(error, OpenIvanError) and agency_client.is_retryable(error)


def note_attempt(job: TransactionJob, outcome: str, detail: str, now: object) -> None:
    """The queue's log: the last error kept with the job (shown with the transaction)."""
    if outcome in ("retry", "failed", "lost"):
        TransactionJob.objects.filter(pk=job.pk).update(last_error=detail[:200])


def poll_decisions() -> int:
    """The sweep asking the agency for decisions; nothing to ask, no call (and no client: a
    deployment whose provider is not configured yet runs it too)."""
    if not Transaction.objects.filter(status=TransactionStatus.RECEIVED).exists():
        return 0
    client = provider_settings.agency_client()
    try:
        return sending.poll_decisions(
            client, every=timedelta(seconds=settings.OPENIVAN_PROVIDER_POLL_SECONDS))
    finally:
        client.close()


def queue_signed(older_than: timedelta = timedelta(minutes=1)) -> int:
    """The sweep for the gap between signing and queueing (two database transactions): a
    transaction left "Đã ký" by a process that died in between is queued for sending."""
    since = timezone.now() - older_than
    left = list(Transaction.objects.filter(status=TransactionStatus.SIGNED, updated_at__lte=since)
                .values_list("pk", flat=True))
    for transaction_id in left:
        with contextlib.suppress(OpenIvanError):  # moved on meanwhile: nothing to do
            sending.queue(transaction_id)
    return len(left)


def of_kind(kind: str):  # type: ignore[no-untyped-def]
    return lambda now: Q(kind=kind)
