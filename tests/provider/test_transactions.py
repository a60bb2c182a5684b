"""A unit's transaction from its draft to the agency's decision, against the real agency."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from openivan.agency.models import Dossier
from openivan.agency.services import activation
from openivan.core.agency_client import AgencyClient
from openivan.core.dossier import sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.devpki import DevPKI
from openivan.notify import services as notify
from openivan.provider import states
from openivan.provider.models import (
    CertificateStatus,
    Transaction,
    TransactionJob,
    TransactionKind,
    Unit,
)
from openivan.provider.models import TransactionStatus as S
from openivan.provider.services import certificates, sending, transactions, units
from tests.conftest import run_worker, stepping_worker
from tests.mailserver import activation_link, body_of, confirmation_code

pytestmark = pytest.mark.django_db(transaction=True)


def _register(unit: Unit, accountant, pki: DevPKI) -> Transaction:  # type: ignore[no-untyped-def]
    draft = transactions.save_draft(unit, TransactionKind.REGISTER,
                                    {"certificate": unit.certificates.get().pk}, accountant)
    signed = transactions.sign_with_key(unit, draft.pk, pki.pkcs12_key("unit"), accountant)
    assert signed.status == S.SIGNED
    return sending.queue(signed.pk)


def _agency_out_of_reach(settings) -> str:  # type: ignore[no-untyped-def]
    """Point the provider at a port where nothing listens; returns the agency's live URL."""
    live = settings.OPENIVAN_AGENCY_URL
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        settings.OPENIVAN_AGENCY_URL = f"http://127.0.0.1:{unused.getsockname()[1]}"
    return str(live)


def test_a_registration_goes_from_draft_to_accepted(unit, accountant, pki, client,
                                                    mailserver) -> None:
    tx = sending.send(_register(unit, accountant, pki).pk, client)
    assert tx.status == S.RECEIVED and tx.agency_number
    assert Dossier.objects.get().number == tx.agency_number
    assert sorted(tx.answers.values_list("kind", flat=True)) == ["reception", "technical"]
    run_worker()  # the agency's email; the accountant confirms the code
    [email] = mailserver.messages
    activation.activate(activation_link(email).rsplit("/", 1)[1], confirmation_code(email),
                        reissue_password=False)
    tx = sending.refresh(tx, client)  # Tải lại
    assert tx.status == S.ACCEPTED
    assert tx.answers.get(kind="decision").result == "ChapNhan"
    assert unit.certificates.get().status == CertificateStatus.IN_USE


def test_an_agency_out_of_reach_gets_the_same_bytes_once_it_is_back(unit, accountant, pki,
                                                                    client, provider) -> None:
    tx = _register(unit, accountant, pki)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{unused.getsockname()[1]}"
    away = AgencyClient(closed, provider.api_key, [pki.certificate("agency")], timeout=5)
    for attempt in (1, 2):
        with pytest.raises(OpenIvanError) as failed:
            sending.send(tx.pk, away)
        assert failed.value.code == "AGENCY_UNREACHABLE"
        tx.refresh_from_db()
        assert tx.status == S.SENDING and tx.send_attempts == attempt
        assert tx.error_code == "AGENCY_UNREACHABLE"
    signed = bytes(tx.signed_xml)
    tx = sending.send(tx.pk, client)
    assert tx.status == S.RECEIVED and bytes(tx.signed_xml) == signed
    assert sending.send(tx.pk, client).status == S.RECEIVED  # a late retry: nothing more
    assert Dossier.objects.count() == 1


def test_a_refusal_keeps_the_agencys_code_and_signed_answer(unit, accountant, pki, client,
                                                            settings) -> None:
    settings.OPENIVAN_PROVIDER_P12 = ""  # the agency asks this provider to countersign
    tx = sending.send(_register(unit, accountant, pki).pk, client)
    assert tx.status == S.SEND_FAILED and tx.error_code.startswith("SIG_")
    assert tx.error_message
    assert tx.answers.get(kind="technical").result == "TuChoi"
    assert Dossier.objects.count() == 0


def test_a_second_tab_saving_an_older_copy_is_refused(unit, accountant) -> None:
    draft = transactions.save_draft(unit, TransactionKind.STOP, {"reason": "a"}, accountant)
    transactions.save_draft(unit, TransactionKind.STOP, {"reason": "b"}, accountant,
                            transaction_id=draft.pk, version=draft.version)
    with pytest.raises(OpenIvanError) as refused:
        transactions.save_draft(unit, TransactionKind.STOP, {"reason": "c"}, accountant,
                                transaction_id=draft.pk, version=draft.version)
    assert refused.value.code == "DRAFT_CHANGED_ELSEWHERE"
    draft.refresh_from_db()
    assert draft.form["reason"] == "b"


def test_a_double_click_on_sign_and_send_makes_one_transaction(unit, accountant, pki,
                                                               client) -> None:
    draft = transactions.save_draft(unit, TransactionKind.REGISTER,
                                    {"certificate": unit.certificates.get().pk}, accountant)
    first = transactions.sign_with_key(unit, draft.pk, pki.pkcs12_key("unit"), accountant,
                                       version=draft.version)
    second = transactions.sign_with_key(unit, draft.pk, pki.pkcs12_key("unit"), accountant,
                                        version=draft.version)
    assert second.pk == first.pk and bytes(second.signed_xml) == bytes(first.signed_xml)
    sending.queue(first.pk)
    sending.queue(first.pk)
    sending.send(first.pk, client)
    assert Transaction.objects.count() == 1 and Dossier.objects.count() == 1


def test_another_units_transaction_is_not_found(unit, accountant, pki) -> None:
    draft = transactions.save_draft(unit, TransactionKind.STOP, {}, accountant)
    other = units.create_unit("0100047516", "CÔNG TY CỔ PHẦN THỬ NGHIỆM", accountant)
    with pytest.raises(OpenIvanError) as refused:
        transactions.of_unit(other, draft.pk)
    assert refused.value.code == "TRANSACTION_NOT_FOUND"
    with pytest.raises(OpenIvanError) as signing:
        transactions.sign_with_key(other, draft.pk, pki.pkcs12_key("unit"), accountant)
    assert signing.value.code == "TRANSACTION_NOT_FOUND"


def test_a_draft_missing_fields_is_not_signed(unit, accountant, pki) -> None:
    draft = transactions.save_draft(unit, TransactionKind.STOP, {"reason": ""}, accountant)
    with pytest.raises(OpenIvanError) as refused:
        transactions.sign_with_key(unit, draft.pk, pki.pkcs12_key("unit"), accountant)
    assert refused.value.details["fields"] == ["stop_on", "reason"]
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and not bytes(draft.signed_xml)


def test_a_change_before_any_accepted_registration_says_so(unit, accountant, pki) -> None:
    draft = transactions.save_draft(unit, TransactionKind.CHANGE,
                                    {"certificate": unit.certificates.get().pk}, accountant)
    with pytest.raises(OpenIvanError) as refused:
        transactions.sign_with_key(unit, draft.pk, pki.pkcs12_key("unit"), accountant)
    assert refused.value.code == "NOT_REGISTERED_YET"


def test_a_certificate_of_another_unit_cannot_be_chosen(unit, accountant, pki) -> None:
    other = units.create_unit("0100047516", "CÔNG TY CỔ PHẦN THỬ NGHIỆM", accountant)
    theirs = certificates.add_file_certificate(other, pki.certificate("unit2"), accountant)
    with pytest.raises(OpenIvanError) as refused:
        transactions.save_draft(unit, TransactionKind.REGISTER, {"certificate": theirs.pk},
                                accountant)
    assert refused.value.code == "CERTIFICATE_NOT_CHOSEN"


@pytest.mark.parametrize("current", list(S))
def test_every_forbidden_transition_is_refused_with_its_code(current: S) -> None:
    for target in S:
        if target in states.TRANSITIONS[current]:
            states.check(current, target)
            continue
        with pytest.raises(OpenIvanError) as refused:
            states.check(current, target)
        assert refused.value.code == "TRANSACTION_STATE"
        assert refused.value.details["from_status"] == current


def test_a_token_signature_of_the_prepared_dossier_is_taken(unit, accountant, pki) -> None:
    draft = transactions.save_draft(unit, TransactionKind.REGISTER,
                                    {"certificate": unit.certificates.get().pk}, accountant)
    prepared = bytes(transactions.start_signing(unit, draft.pk, accountant).unsigned_xml)
    by_agent = sign_envelope(prepared, pki.pkcs12_key("unit"))  # what the agent returns
    signed = transactions.finish_token_signing(unit, draft.pk, by_agent, accountant)
    assert signed.status == S.SIGNED
    assert bytes(signed.signed_xml).startswith(by_agent[:-len("</Hoso>")])  # + CKy_IVAN


def test_a_token_signature_by_another_certificate_is_refused_and_nothing_sent(
        unit, accountant, pki) -> None:
    draft = transactions.save_draft(unit, TransactionKind.REGISTER,
                                    {"certificate": unit.certificates.get().pk}, accountant)
    prepared = bytes(transactions.start_signing(unit, draft.pk, accountant).unsigned_xml)
    with pytest.raises(OpenIvanError) as refused:
        transactions.finish_token_signing(unit, draft.pk,
                                          sign_envelope(prepared, pki.pkcs12_key("unit2")),
                                          accountant)
    assert refused.value.code == "SIGNED_BY_OTHER_CERTIFICATE"
    draft.refresh_from_db()
    assert draft.status == S.SIGNING and not bytes(draft.signed_xml)
    back = transactions.signing_failed(draft.pk, refused.value)  # Hủy
    assert back.status == S.DRAFT and back.error_code == "SIGNED_BY_OTHER_CERTIFICATE"


def test_the_poll_fetches_the_decision_by_itself_and_emails_the_unit(
        unit, accountant, pki, client, mailserver) -> None:
    tx = sending.send(_register(unit, accountant, pki).pk, client)
    run_worker()
    [agency_email] = mailserver.messages
    activation.activate(activation_link(agency_email).rsplit("/", 1)[1],
                        confirmation_code(agency_email), reissue_password=False)
    assert sending.poll_decisions(client) == 0  # asked about just now: not yet again
    later = timezone.now() + timedelta(minutes=6)
    assert sending.poll_decisions(client, now=later) == 1
    tx.refresh_from_db()
    assert tx.status == S.ACCEPTED
    run_worker()
    decision = mailserver.messages[-1]
    assert decision["To"] == unit.email
    assert "Chấp nhận (Thành công)" in decision["Subject"]
    assert tx.agency_number in body_of(decision)


def test_an_expiring_certificate_is_warned_by_email_at_30_then_7_days(unit, mailserver) -> None:
    ends = unit.certificates.get().not_after
    assert certificates.warn_expiring(ends - timedelta(days=40)) == 0
    assert certificates.warn_expiring(ends - timedelta(days=20)) == 1
    assert certificates.warn_expiring(ends - timedelta(days=19)) == 0  # once per threshold
    assert certificates.warn_expiring(ends - timedelta(days=5)) == 1
    run_worker()
    subjects = [m["Subject"] for m in mailserver.messages]
    assert len(subjects) == 2 and all("sắp hết hạn" in s for s in subjects)
    assert "còn 5 ngày" in body_of(mailserver.messages[-1])


def test_the_agency_out_of_reach_rests_the_sending_queue_and_the_emails_still_go(
        unit, accountant, pki, connected, mailserver, settings) -> None:
    tx = _register(unit, accountant, pki)
    job = tx.jobs.get(kind="send")
    live = _agency_out_of_reach(settings)
    settings.OPENIVAN_PROVIDER_JOB_RETRY_SECONDS = 15
    notify.queue_email("KM4TX-ACH7R", "decision", "ketoan@giaiphapmo.vn", {"dossier": {
        "unit_name": unit.name, "form_code": "01/ĐK-IVAN", "number": "KM4TX-ACH7R",
        "status": "accepted", "unit_code": "TA0001A"}})
    now = [0.0]
    worker = stepping_worker(now)
    worker.step()
    assert len(mailserver.wait_for(1)) == 1
    TransactionJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    worker.step()  # due again, but the queue rests: the agency is not asked again yet
    job.refresh_from_db()
    assert job.attempts == 1 and job.status == "pending"
    settings.OPENIVAN_AGENCY_URL = live
    now[0] += 16
    worker.step()
    tx.refresh_from_db()
    assert tx.status == S.RECEIVED and Dossier.objects.count() == 1


def test_the_sending_job_retries_while_the_agency_is_down_and_sends_once_when_back(
        unit, accountant, pki, connected, settings) -> None:
    """Through the worker (platform.jobs): the agency out of reach, the job waits its backoff
    and the page can say so; back, the same bytes are received once."""
    tx = _register(unit, accountant, pki)
    job = tx.jobs.get(kind="send")
    live = _agency_out_of_reach(settings)
    run_worker()
    job.refresh_from_db()
    tx.refresh_from_db()
    assert job.status == "pending" and job.attempts == 1 and job.next_attempt_at > timezone.now()
    assert tx.status == S.SENDING and tx.error_code == "AGENCY_UNREACHABLE"
    settings.OPENIVAN_AGENCY_URL = live
    run_worker()  # not due yet: nothing is sent before its backoff
    assert Dossier.objects.count() == 0
    TransactionJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    run_worker()
    tx.refresh_from_db()
    assert tx.status == S.RECEIVED and Dossier.objects.count() == 1
    assert tx.jobs.get(kind="send").status == "done"


def test_a_transaction_left_signed_without_its_sending_job_is_queued_by_the_sweep(
        unit, accountant, pki, connected) -> None:
    """A process that died between signing and queueing: the worker's sweep queues it."""
    draft = transactions.save_draft(unit, TransactionKind.REGISTER,
                                    {"certificate": unit.certificates.get().pk}, accountant)
    signed = transactions.sign_with_key(unit, draft.pk, pki.pkcs12_key("unit"), accountant)
    assert signed.status == S.SIGNED and not signed.jobs.exists()
    Transaction.objects.filter(pk=signed.pk).update(
        updated_at=timezone.now() - timedelta(minutes=2))
    run_worker()
    signed.refresh_from_db()
    assert signed.status == S.RECEIVED and Dossier.objects.count() == 1
