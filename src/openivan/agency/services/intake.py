"""Tiếp nhận: verify a signed envelope and make it a dossier, or refuse it whole."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from openivan.agency import trust
from openivan.agency.models import (
    Answer,
    AnswerKind,
    Dossier,
    DossierCounter,
    DossierStatus,
    IvanProvider,
    ReviewReason,
)
from openivan.agency.services import activation, evidence, wire
from openivan.agency.services.answers import answer, step
from openivan.agency.services.unit_registry import (
    active_registration,
    check_unit_code,
    registered_unit_code,
)
from openivan.core.calendar import deadline_working_days, local
from openivan.core.errors import OpenIvanError
from openivan.core.verification import VerifiedDocument
from openivan.core.xml import forms
from openivan.core.xml.envelope import PROVIDER_SLOT, UNIT_SLOT, Envelope
from openivan.platform.rows import find_with_parent, insert

I_VAN_FORMS = wire.I_VAN_FORMS
Declaration = wire.Declaration


@dataclass(frozen=True)
class IntakeOutcome:
    dossier: Dossier
    created: bool  # False: a replay, answered with the original answers
    answers: list[Answer]


def receive(provider: IvanProvider, body: bytes,
            idempotency_key: str | None = None) -> IntakeOutcome:
    """Tiếp nhận: verify a signed envelope and make it a dossier, or refuse it whole.

    Idempotent: the same bytes, or the same provider and `Idempotency-Key`, give back the
    dossier made the first time — also when the two copies arrive at once. A message received
    before costs a lookup, not a verification; only a new dossier draws a number. A procedure
    the agency does not process is received all the same and parked for an officer.
    """
    digest = hashlib.sha256(body).hexdigest()
    message_id = wire.message_id(idempotency_key, digest)
    # A provider resending what it sent, or the same key with bytes signed again.
    replay = _replay(provider, content_sha256=digest) or (
        _replay(provider, message_id=message_id) if idempotency_key else None)
    if replay:
        return replay
    try:
        verified, envelope, declaration = verify_and_read(provider, body)
    except OpenIvanError:
        # A copy of these bytes stored while this one was being verified gets the original
        # answers even if it would be refused now (a certificate revoked since, a
        # registration stopped since).
        replay = _replay(provider, content_sha256=digest)
        if replay:
            return replay
        raise
    now = timezone.localtime().replace(microsecond=0)  # Vietnam time, as answers show it
    number = _next_number(now)
    try:
        with transaction.atomic():
            dossier, answers = _create_dossier(provider, number, now, body, digest, message_id,
                                               verified, envelope, declaration)
    except IntegrityError:
        # A concurrent copy of the same message won the race (both were verified at once):
        # answer with what it made. The unique constraints decide, not a read. Its number
        # (drawn above) stays unused: the only gap the numbers can have.
        replay = (_replay(provider, content_sha256=digest)
                  or _replay(provider, message_id=message_id))
        if replay is None:
            raise
        return replay
    return IntakeOutcome(dossier, created=True, answers=answers)


def verify_and_read(provider: IvanProvider, body: bytes,
                    ) -> tuple[VerifiedDocument, Envelope, Declaration | None]:
    """The intake's first step, nothing stored: the envelope verified, read (the typed
    envelope, the declaration in it: None for a procedure the agency does not process) and
    checked against the provider and the registry; refused with an OpenIvanError."""
    verified = trust.verifier().verify_envelope(
        body, require_provider=provider.countersignature_required)
    envelope = verified.model
    assert isinstance(envelope, Envelope)
    declaration = wire.declaration(verified)
    _check_rules(provider, verified, envelope, declaration)
    return verified, envelope, declaration


def _replay(provider: IvanProvider, **lookup: str) -> IntakeOutcome | None:
    """The dossier made the first time, with its answers (every dossier has them from its
    first transaction on): one statement, its SQL text reused (`conf.rows`), for a replay
    must cost a lookup, not a dossier. Not the dossier's signed bytes nor its evidence."""
    answers = find_with_parent(Answer, "dossier", REPLAY_FIELDS, provider=provider.pk, **lookup)
    return IntakeOutcome(answers[0].dossier, False, answers) if answers else None


REPLAY_FIELDS = ("number", "provider", "status", "received_at", "decision_deadline")


def _check_rules(provider: IvanProvider, verified: VerifiedDocument, envelope: Envelope,
                 declaration: Declaration | None) -> None:
    content = envelope.content
    if content.ivan.code != provider.code:
        raise OpenIvanError("PROVIDER_MISMATCH", declared=content.ivan.code,
                            authenticated=provider.code)
    if PROVIDER_SLOT in verified.signatures:  # required, or sent by a provider not asked to
        provider_certificate = verified.signatures[PROVIDER_SLOT].certificate.facts
        if provider_certificate.tax_code != provider.tax_code:
            raise OpenIvanError("PROVIDER_MISMATCH",
                                declared=provider_certificate.tax_code or "?",
                                authenticated=provider.tax_code)
        registered = provider.certificate_thumbprints
        if registered and provider_certificate.thumbprint_sha256 not in registered:
            raise OpenIvanError("PROVIDER_CERT_UNKNOWN", provider=provider.code,
                                thumbprint=provider_certificate.thumbprint_sha256)
    wire.check_signers_mst(verified, content.unit.tax_code, _check_mst)
    if declaration is None:  # a procedure the agency does not process: an officer looks
        return
    header = declaration.header
    if header.tax_code != content.unit.tax_code:
        raise OpenIvanError("MST_MISMATCH", certificate=content.unit.tax_code,
                            declared=header.tax_code)
    if isinstance(declaration, forms.IvanChange | forms.IvanStop):
        named = declaration.ivan_code
        other = isinstance(declaration, forms.IvanStop) and declaration.other_provider
        if not other and named != provider.code:
            raise OpenIvanError("PROVIDER_MISMATCH", declared=named, authenticated=provider.code)
        if active_registration(header.tax_code, named) is None:
            raise OpenIvanError("REGISTRATION_NOT_FOUND", tax_code=header.tax_code,
                                ivan_code=named)
    check_unit_code(header.tax_code, header.unit_code or "")


def _check_mst(certificate_mst: str | None, declared: str) -> None:
    """The certificate's MST equals the unit's, or the unit is a branch of it (a setting)."""
    if certificate_mst == declared:
        return
    if (settings.OPENIVAN_ALLOW_BRANCH_MST and certificate_mst and len(certificate_mst) == 10
            and declared.startswith(certificate_mst + "-")):
        return
    raise OpenIvanError("MST_MISMATCH", certificate=certificate_mst or "?", declared=declared)


def _create_dossier(provider: IvanProvider, number: str, now: datetime, body: bytes,
                    digest: str, message_id: str, verified: VerifiedDocument, envelope: Envelope,
                    declaration: Declaration | None) -> tuple[Dossier, list[Answer]]:
    dossier = new_dossier(provider, number, now, body, digest, message_id, verified, envelope,
                          declaration)
    insert([dossier])
    unit_signature = verified.signatures[UNIT_SLOT]
    received = step(dossier, "TIEP_NHAN", f"Tiếp nhận hồ sơ {dossier.form_code} từ I-VAN "
                    f"{provider.code}; người ký {unit_signature.certificate.facts.common_name}",
                    now)
    # One statement per table: this is the hot path of every provider's traffic.
    answers = new_answers(dossier, now)
    insert(answers)
    if declaration is None:
        insert([received, step(dossier, "CHO_CAN_BO", "Chuyển cán bộ xử lý: thủ tục chưa hỗ "
                               f"trợ ({envelope.content.dossier.procedure_name})", now)])
    else:
        insert([received, activation.start(dossier, now)])
    return dossier, answers


def new_dossier(provider: IvanProvider, number: str, now: datetime, body: bytes, digest: str,
                message_id: str, verified: VerifiedDocument, envelope: Envelope,
                declaration: Declaration | None) -> Dossier:
    """The dossier a verified envelope makes, with its verification record and revocation
    evidence: not saved."""
    dossier = Dossier(
        number=number, provider=provider, message_id=message_id, content_sha256=digest,
        received_at=now,
        decision_deadline=deadline_working_days(now, settings.OPENIVAN_DECISION_WORKING_DAYS),
        signed_bytes=body, verification=_verification_record(verified),
        revocation_evidence=evidence.pack(verified, now),
    )
    if declaration is not None:
        header = declaration.header
        dossier.form_code, dossier.unit_tax_code = declaration.FORM_CODE, header.tax_code
        dossier.unit_code = header.unit_code or registered_unit_code(header.tax_code)
        dossier.unit_name = header.unit_name
        dossier.email = header.email
    else:  # read from the envelope's signed ThongTinDonVi; no declaration of ours to read
        unit = envelope.content.unit
        dossier.form_code = envelope.content.dossier.procedure_code
        dossier.unit_tax_code, dossier.unit_code = unit.tax_code, unit.unit_code or ""
        dossier.unit_name, dossier.email = unit.name, ""
        dossier.status, dossier.review_reason = (DossierStatus.NEEDS_REVIEW,
                                                 ReviewReason.UNSUPPORTED_PROCEDURE)
    return dossier


def new_answers(dossier: Dossier, now: datetime) -> list[Answer]:
    """A new dossier's technical and reception answers, signed with the agency's key: not
    saved."""
    code = dossier.provider.code
    return [
        answer(dossier, AnswerKind.TECHNICAL, forms.TechnicalAck(
            dossier.message_id, code, now, "ChapNhanXuLy", []), now),
        answer(dossier, AnswerKind.RECEPTION, forms.ReceptionAnswer(
            dossier.message_id, code, now, "DaTiepNhan", [], dossier.number, now), now),
    ]


def _next_number(now: datetime) -> str:
    """Số hồ sơ = agency code + local date + a per-day sequence: unique, not gapless.

    One upsert (SQLite ≥ 3.35 and PostgreSQL both speak it), run before the intake's
    transaction opens, so it commits on its own and the day's counter row is locked for that
    statement only. Inside the intake's transaction the
    lock was held through the signing and the inserts (the transaction is open ~5 ms wall per
    dossier: tools/profile_intake.py), which capped every web process together at ~180-200
    dossiers/s. A number whose dossier then fails to be
    stored (a concurrent copy of the same message) is simply not used."""
    day: date = local(now).date()
    table = connection.ops.quote_name(DossierCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (day, last) VALUES (%s, 1) "
                       f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 "
                       "RETURNING last", [day])
        (last,) = cursor.fetchone()
    return f"{settings.OPENIVAN_AGENCY_CODE}-{day:%Y%m%d}-{last:06d}"


def _verification_record(verified: VerifiedDocument) -> dict[str, Any]:
    record: dict[str, Any] = {slot: _signer_record(checked)
                              for slot, checked in verified.signatures.items()}
    return record | wire.record_of_attachments(verified, _signer_record)


def _signer_record(checked: Any) -> dict[str, Any]:
    facts = checked.certificate.facts
    return {
        "subject": facts.subject, "serial": facts.serial, "tax_code": facts.tax_code,
        "thumbprint_sha256": facts.thumbprint_sha256,
        "signing_time": checked.signature.signing_time.isoformat()
        if checked.signature.signing_time else None,
        "checked_at": checked.signed_at.isoformat(),
        "revocation": checked.certificate.evidence,
    }
