"""Gửi BH: a signed transaction to the agency and the agency's answers back — sent as the
same bytes under the same Idempotency-Key however many tries it takes (a second arrival is
a replay at the agency, never a second dossier), refused answers kept with the agency's code,
decisions fetched by "Tải lại" or the background poll."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from openivan.core.agency_client import AgencyAnswer, AgencyClient, Reception, is_retryable
from openivan.core.errors import OpenIvanError
from openivan.notify.services import queue_email
from openivan.platform.services import audit
from openivan.provider import states
from openivan.provider.models import (
    CertificateStatus,
    JobKind,
    Transaction,
    TransactionAnswer,
    TransactionKind,
    TransactionStatus,
)
from openivan.provider.services import queueing

S = TransactionStatus
DECISIONS = {"ChapNhan": S.ACCEPTED, "TuChoi": S.REJECTED}


def queue(transaction_id: int) -> Transaction:
    """Signed → sending (the sending job picks it up)."""
    with transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=transaction_id)
        if tx.status == S.SENDING:
            return tx
        states.check(tx.status, S.SENDING)
        tx.status, tx.updated_at = S.SENDING, timezone.now()
        tx.save(update_fields=["status", "updated_at"])
        queueing.later(tx.pk, JobKind.SEND)  # committed with the status, or not at all
        audit.record(None, "transaction.queued", f"transaction:{tx.pk}")
    return tx


def send(transaction_id: int, client: AgencyClient) -> Transaction:
    """One try. The agency unreachable: the error is noted and raised again (the job retries
    it later); refused: send_failed with its code; received: the answers kept."""
    tx = Transaction.objects.get(pk=transaction_id)
    if tx.status != S.SENDING:
        return tx  # sent already, by an earlier try that finished
    try:
        reception = client.submit(bytes(tx.signed_xml), tx.idempotency_key)
    except OpenIvanError as error:
        return _failed(tx.pk, error)
    return record(tx.pk, reception)


def refresh(tx: Transaction, client: AgencyClient) -> Transaction:
    """Tải lại: the latest status and answers of a received transaction."""
    if not tx.agency_number:
        return tx
    return record(tx.pk, client.dossier(tx.agency_number))


def record(transaction_id: int, reception: Reception) -> Transaction:
    """Keep what the agency answered: Số hồ sơ, reception time, each signed answer once, and
    its decision when it has made one."""
    now = timezone.now()
    with transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=transaction_id)
        if tx.status == S.SENDING:
            states.check(tx.status, S.RECEIVED)
            tx.status = S.RECEIVED
            audit.record(None, "transaction.received", f"transaction:{tx.pk}",
                         number=reception.number)
        tx.agency_number, tx.received_at = reception.number, reception.received_at
        tx.error_code = tx.error_message = ""
        kept = set(tx.answers.values_list("kind", flat=True))
        for answer in reception.answers:
            if answer.kind not in kept:
                _keep(tx, answer, now)
                if answer.kind == "decision":
                    _decide(tx, answer)
        tx.updated_at = now
        tx.save()
    return tx


def poll_decisions(client: AgencyClient, now: datetime | None = None,
                   every: timedelta = timedelta(minutes=5), limit: int = 200) -> int:
    """The background poll: asks the agency for the result of received transactions not
    asked about for `every`, oldest first; how many were decided."""
    now = now or timezone.now()
    due = list(Transaction.objects.filter(status=S.RECEIVED, updated_at__lte=now - every)
               .order_by("updated_at").values_list("pk", flat=True)[:limit])
    decided = 0
    for transaction_id in due:
        tx = Transaction.objects.get(pk=transaction_id)
        try:
            tx = refresh(tx, client)
        except OpenIvanError as error:
            if not is_retryable(error):
                raise
            break  # the agency is out of reach: the next round asks again
        if tx.status != S.RECEIVED:
            decided += 1
        else:  # asked: not again before `every`
            Transaction.objects.filter(pk=tx.pk).update(updated_at=now)
    return decided


def _keep(tx: Transaction, answer: AgencyAnswer, now: datetime) -> None:
    TransactionAnswer.objects.create(transaction=tx, kind=answer.kind, result=answer.result,
                                     data=answer.data, signed_xml=answer.signed_xml,
                                     received_at=now)


def _decide(tx: Transaction, answer: AgencyAnswer) -> None:
    target = DECISIONS.get(answer.result)
    if target is None or tx.status != S.RECEIVED:
        return
    states.check(tx.status, target)
    tx.status, tx.decided_at = target, answer.signed_at or timezone.now()
    reasons = answer.data.get("reasons") or []
    tx.decision_reason = "; ".join(str(r.get("message", "")) for r in reasons)[:2000]
    if target == S.ACCEPTED:
        _accepted(tx, answer)
    audit.record(None, "transaction.decided", f"transaction:{tx.pk}", result=answer.result)
    if tx.unit.email:  # the unit hears of it whether the poll or "Tải lại" brought it
        queue_email(f"transaction:{tx.pk}", "provider_decision", tx.unit.email, {
            "unit_name": tx.unit.name, "tax_code": tx.unit.tax_code,
            "kind": tx.get_kind_display(), "number": tx.agency_number,
            "accepted": target == S.ACCEPTED, "reason": tx.decision_reason})


def _accepted(tx: Transaction, answer: AgencyAnswer) -> None:
    """What the agency now has: the certificate named in use (the previous replaced); a stop
    ends them all."""
    certificates = tx.unit.certificates
    if tx.kind in (TransactionKind.REGISTER, TransactionKind.CHANGE) and tx.certificate_id:
        certificates.filter(status=CertificateStatus.IN_USE).exclude(
            pk=tx.certificate_id).update(status=CertificateStatus.REPLACED)
        certificates.filter(pk=tx.certificate_id).update(status=CertificateStatus.IN_USE)
    elif tx.kind == TransactionKind.STOP:
        certificates.filter(status=CertificateStatus.IN_USE).update(
            status=CertificateStatus.REPLACED)


def _failed(transaction_id: int, error: OpenIvanError) -> Transaction:
    with transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=transaction_id)
        tx.send_attempts += 1
        tx.error_code = str(error.details.get("agency_code") or error.code)[:64]
        tx.error_message = str(error.details.get("agency_message") or error.message_vi)
        tx.updated_at = timezone.now()
        if not is_retryable(error):
            states.check(tx.status, S.SEND_FAILED)
            tx.status = S.SEND_FAILED
            refusal = error.attachments.get("technical_answer_xml")
            if refusal:
                TransactionAnswer.objects.create(
                    transaction=tx, kind="technical", result="TuChoi", data={},
                    signed_xml=refusal, received_at=tx.updated_at)
            audit.record(None, "transaction.refused", f"transaction:{tx.pk}",
                         code=tx.error_code)
        tx.save()
    if is_retryable(error):
        raise error
    return tx
