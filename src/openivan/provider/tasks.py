"""The provider's background work: signing with an HSM (its holder may approve on a phone for
minutes) and sending to the agency (retried while it is unreachable)."""

from __future__ import annotations

from django.db import transaction

from openivan.core.agency_client import is_retryable
from openivan.core.errors import OpenIvanError
from openivan.provider import settings as provider_settings
from openivan.provider.models import TransactionStatus
from openivan.provider.services import sending, transactions


def sign(transaction_id: int) -> None:
    """The HSM signs the fixed bytes; signed, the transaction goes to the sending queue."""
    tx = transactions.sign_with_hsm(transaction_id)
    if tx.status == TransactionStatus.SIGNED:
        sending.queue(tx.pk)
        send_later(tx.pk)


def send(transaction_id: int) -> None:
    """One try; the agency out of reach or busy raises (AGENCY_UNREACHABLE), for the job
    mechanism to try the same bytes again later."""
    client = provider_settings.agency_client()
    try:
        sending.send(transaction_id, client)
    finally:
        client.close()


def sign_later(transaction_id: int) -> None:
    transaction.on_commit(lambda: sign(transaction_id))


def send_later(transaction_id: int) -> None:
    transaction.on_commit(lambda: _send_once(transaction_id))


def _send_once(transaction_id: int) -> None:
    try:
        send(transaction_id)
    except OpenIvanError as exc:
        if not is_retryable(exc):
            raise
