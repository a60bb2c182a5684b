"""Queueing a transaction's background job (platform.jobs runs it: provider.tasks)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from openivan.provider.models import JobStatus, TransactionJob


def later(transaction_id: int, kind: str) -> None:
    """Queue the job of `kind` for the transaction, inside the caller's database transaction;
    a second call (a double click, a retried request) adds nothing."""
    now = timezone.now()
    try:
        with transaction.atomic():
            TransactionJob.objects.create(transaction_id=transaction_id, kind=kind,
                                          next_attempt_at=now, created_at=now)
    except IntegrityError:  # queued already
        TransactionJob.objects.filter(transaction_id=transaction_id, kind=kind,
                                      status=JobStatus.FAILED).update(
            status=JobStatus.PENDING, next_attempt_at=now)
