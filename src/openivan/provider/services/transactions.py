"""Giao dịch: a unit's register / change / stop from its draft to the signed bytes that go to
the agency. Every status change goes through `provider.states`, one transaction each."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from openivan.core import declarations
from openivan.core.dossier import countersign, sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.core.pki.facts import facts, load_certificate
from openivan.core.signed_as_prepared import check_signed_as_prepared
from openivan.core.signers.csc import CscClient, CscKey
from openivan.core.xml import codec, envelope, forms
from openivan.core.xmlsig.sign import SigningKey
from openivan.platform.services import audit
from openivan.provider import settings as provider_settings
from openivan.provider import states
from openivan.provider.models import (
    CertificateSource,
    CertificateStatus,
    JobKind,
    Transaction,
    TransactionKind,
    TransactionStatus,
    Unit,
    UnitCertificate,
)
from openivan.provider.services import queueing
from openivan.provider.services.certificates import hsm_password
from openivan.provider.services.units import profile_of

S = TransactionStatus
# The form fields a draft keeps per kind, besides the unit's profile.
FORM_FIELDS = {
    TransactionKind.REGISTER: ("certificate",),
    TransactionKind.CHANGE: ("certificate", "email", "contact_person", "phone", "reason"),
    TransactionKind.STOP: ("certificate", "stop_on", "reason"),
    TransactionKind.STOP_OTHER: ("certificate", "stop_on", "reason", "other_code", "other_name"),
}


def of_unit(unit: Unit, transaction_id: int) -> Transaction:
    """The unit's transaction; TRANSACTION_NOT_FOUND for another unit's (its id in a URL)."""
    found = Transaction.objects.filter(unit=unit, pk=transaction_id).first()
    if found is None:
        raise OpenIvanError("TRANSACTION_NOT_FOUND", id=transaction_id)
    return found


def save_draft(unit: Unit, kind: str, form: dict[str, Any], by: AbstractBaseUser | None, *,
               transaction_id: int | None = None, version: int | None = None,
               idempotency_key: str = "") -> Transaction:
    """Lưu: a new draft, or the draft `transaction_id` at `version` (the version the page was
    showing: a copy saved meanwhile elsewhere is not overwritten). A new draft's
    `idempotency_key` (the screen's own) makes a second submit of one screen the same draft."""
    kept = {k: form.get(k, "") for k in FORM_FIELDS[TransactionKind(kind)]}
    certificate = _own_certificate(unit, kept.get("certificate"))
    now = timezone.now()
    with transaction.atomic():
        if transaction_id is None:
            key = idempotency_key or _new_key()
            again = Transaction.objects.filter(unit=unit, idempotency_key=key).first()
            if again is not None and again.status != S.DRAFT:  # a second click
                return again
            if again is not None:  # the same screen submitted again, after a correction
                return save_draft(unit, kind, form, by, transaction_id=again.pk)
            try:
                with transaction.atomic():
                    made = Transaction.objects.create(
                        unit=unit, kind=kind, status=S.DRAFT, form=kept,
                        certificate=certificate, created_by=by, idempotency_key=key,
                        created_at=now, updated_at=now)
            except IntegrityError:  # the second of two submits arriving together
                return Transaction.objects.get(unit=unit, idempotency_key=key)
            audit.record(by, "transaction.saved", _target(made), kind=kind)
            return made
        draft = _locked(unit, transaction_id)
        states.check(draft.status, S.DRAFT)
        if version is not None and version != draft.version:
            raise OpenIvanError("DRAFT_CHANGED_ELSEWHERE")
        draft.form, draft.certificate = kept, certificate
        draft.version, draft.updated_at = draft.version + 1, now
        draft.save()
        audit.record(by, "transaction.saved", _target(draft), version=draft.version)
        return draft


def declaration(tx: Transaction, today: date | None = None) -> codec.XmlModel:
    """The form the transaction sends, built from the unit's profile and the draft; every
    missing field named (DECLARATION_INCOMPLETE)."""
    today = today or timezone.localdate()
    profile, form = profile_of(tx.unit), tx.form
    provider = provider_settings.provider()
    if tx.kind == TransactionKind.REGISTER:
        return declarations.registration(profile, _chosen(tx), provider, today)
    if tx.kind == TransactionKind.CHANGE:
        return declarations.change(
            profile, registered_details(tx.unit), _chosen(tx), provider, today,
            email=form.get("email") or None, contact_person=form.get("contact_person") or None,
            phone=form.get("phone") or None, reason=form.get("reason", ""))
    stopped = provider
    if tx.kind == TransactionKind.STOP_OTHER:
        stopped = envelope.IvanInfo(code=form.get("other_code", ""),
                                    name=form.get("other_name", ""))
        if not stopped.code or not stopped.name:
            raise OpenIvanError("DECLARATION_INCOMPLETE", fields=["other_provider"],
                                labels_vi="Tổ chức I-VAN khác",
                                labels_en="Other I-VAN provider")
    return declarations.stop(profile, stopped, today, stop_on=_date(form.get("stop_on")),
                             reason=form.get("reason", ""),
                             other_provider=tx.kind == TransactionKind.STOP_OTHER)


def unsigned_envelope(tx: Transaction) -> bytes:
    """The `Hoso` to be signed, as bytes (the signer signs these, not a copy rebuilt later)."""
    today = timezone.localdate()
    model = declarations.envelope_for(declaration(tx, today), profile_of(tx.unit),
                                      provider_settings.provider(), today)
    return codec.to_bytes(model)


def sign_with_key(unit: Unit, transaction_id: int, key: SigningKey,
                  by: AbstractBaseUser | None, *, version: int | None = None) -> Transaction:
    """Ký: sign the draft at once with a key at hand (a PKCS#12 file), countersign it as the
    provider when configured. A transaction signed already is returned as it is (a second
    click on "Ký và gửi BH" lands on the same transaction)."""
    with transaction.atomic():
        tx = _locked(unit, transaction_id)
        if tx.status != S.DRAFT:
            return tx
        if version is not None and version != tx.version:
            raise OpenIvanError("DRAFT_CHANGED_ELSEWHERE")
        unsigned = unsigned_envelope(tx)
        states.check(tx.status, S.SIGNED)
        return _signed(tx, unsigned, sign_envelope(unsigned, key), by)


def start_signing(unit: Unit, transaction_id: int, by: AbstractBaseUser | None, *,
                  version: int | None = None) -> Transaction:
    """Đang ký: fix the bytes to be signed by a signer outside this request (a token through
    the signing agent, an HSM that may wait minutes for its holder's approval)."""
    with transaction.atomic():
        tx = _locked(unit, transaction_id)
        if tx.status != S.DRAFT:
            return tx
        if version is not None and version != tx.version:
            raise OpenIvanError("DRAFT_CHANGED_ELSEWHERE")
        tx.unsigned_xml = unsigned_envelope(tx)
        states.check(tx.status, S.SIGNING)
        tx.status, tx.updated_at = S.SIGNING, timezone.now()
        tx.error_code = tx.error_message = ""
        tx.save()
        if tx.certificate is not None and tx.certificate.source == CertificateSource.HSM:
            queueing.later(tx.pk, JobKind.SIGN)  # the HSM signs in the worker
        audit.record(by, "transaction.signing", _target(tx))
    return tx


def sign_with_hsm(transaction_id: int) -> Transaction:
    """The signing job of an HSM certificate: the remote service signs the fixed bytes (no
    database transaction is held meanwhile); its refusal gives the draft back with why."""
    tx = Transaction.objects.select_related("certificate", "unit").get(pk=transaction_id)
    if tx.status != S.SIGNING or tx.certificate is None:
        return tx
    chosen = tx.certificate
    client = CscClient(chosen.hsm_url, chosen.hsm_account, hsm_password(chosen))
    try:
        client.login()
        key = CscKey(client, client.credential(chosen.hsm_credential))
        signed = sign_envelope(bytes(tx.unsigned_xml), key, chain=key.chain)
    except OpenIvanError as error:
        return signing_failed(tx.pk, error)
    finally:
        client.close()
    return finish_signing(tx.pk, signed, None)


def finish_token_signing(unit: Unit, transaction_id: int, signed: bytes,
                         by: AbstractBaseUser | None) -> Transaction:
    """The signing agent's bytes, believed only if they are the prepared dossier signed by the
    chosen certificate (SIGNED_CONTENT_CHANGED, SIGNED_BY_OTHER_CERTIFICATE, SIG_*); a refusal
    leaves the transaction waiting to be signed again or cancelled."""
    tx = of_unit(unit, transaction_id)
    if tx.status != S.SIGNING or tx.certificate is None:
        return tx
    chosen = load_certificate(bytes(tx.certificate.der))
    check_signed_as_prepared(bytes(tx.unsigned_xml), signed, chosen)
    return finish_signing(tx.pk, signed, by)


def finish_signing(transaction_id: int, signed: bytes,
                   by: AbstractBaseUser | None) -> Transaction:
    with transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=transaction_id)
        if tx.status != S.SIGNING:
            return tx
        states.check(tx.status, S.SIGNED)
        return _signed(tx, bytes(tx.unsigned_xml), signed, by)


def signing_failed(transaction_id: int, error: OpenIvanError) -> Transaction:
    """The signer refused or could not sign (wrong PIN, token removed, HSM password wrong or
    unreachable): the draft comes back with the reason, nothing was sent."""
    with transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=transaction_id)
        if tx.status != S.SIGNING:
            return tx
        states.check(tx.status, S.DRAFT)
        tx.status, tx.updated_at, tx.version = S.DRAFT, timezone.now(), tx.version + 1
        tx.error_code, tx.error_message = error.code, error.message_vi
        tx.unsigned_xml = b""
        tx.save()
        audit.record(None, "transaction.signing_failed", _target(tx), code=error.code)
    return tx


def _signed(tx: Transaction, unsigned: bytes, signed: bytes,
            by: AbstractBaseUser | None) -> Transaction:
    provider_key = provider_settings.countersigning_key()
    if provider_key is not None:
        signed = countersign(signed, provider_key)
    tx.unsigned_xml, tx.signed_xml = unsigned, signed
    tx.status, tx.updated_at, tx.version = S.SIGNED, timezone.now(), tx.version + 1
    tx.save()
    audit.record(by, "transaction.signed", _target(tx))
    return tx


def registered_details(unit: Unit) -> forms.RegisteredDetails:
    """Thông tin chữ ký số đã đăng ký: what the agency has, from the last register or change
    it accepted."""
    last = (Transaction.objects.filter(
        unit=unit, status=S.ACCEPTED,
        kind__in=(TransactionKind.REGISTER, TransactionKind.CHANGE))
        .select_related("certificate").order_by("-decided_at", "-id").first())
    if last is None or last.certificate is None:
        raise OpenIvanError("NOT_REGISTERED_YET")
    form = last.form
    return forms.RegisteredDetails(
        declarations.certificate_info(facts(load_certificate(bytes(last.certificate.der)))),
        form.get("email") or unit.email, form.get("contact_person") or unit.contact_person or None,
        form.get("phone") or unit.phone or None)


def in_use_certificate(unit: Unit) -> UnitCertificate | None:
    return unit.certificates.filter(status=CertificateStatus.IN_USE).first()


def _chosen(tx: Transaction) -> Any:
    """The facts of the draft's certificate; None (named missing by the builder) if none."""
    if tx.certificate is None:
        return None
    return facts(load_certificate(bytes(tx.certificate.der)))


def _own_certificate(unit: Unit, certificate_id: Any) -> UnitCertificate | None:
    if not certificate_id:
        return None
    chosen = unit.certificates.filter(pk=certificate_id).first() if str(
        certificate_id).isdigit() else None
    if chosen is None:  # another unit's, or made up
        raise OpenIvanError("CERTIFICATE_NOT_CHOSEN")
    return chosen


def _locked(unit: Unit, transaction_id: int) -> Transaction:
    # Its unit and certificate with it: signing reads both (two queries fewer).
    found = (Transaction.objects.select_for_update(of=("self",))
             .select_related("unit", "certificate").filter(unit=unit, pk=transaction_id)
             .first())
    if found is None:
        raise OpenIvanError("TRANSACTION_NOT_FOUND", id=transaction_id)
    return found


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _new_key() -> str:
    return f"OPENIVAN-{uuid.uuid4().hex}"


def _target(tx: Transaction) -> str:
    return f"transaction:{tx.pk}"
