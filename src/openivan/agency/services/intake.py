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
    IvanProvider,
    RegistrationStatus,
    UnitRegistration,
)
from openivan.agency.services import activation, evidence
from openivan.agency.services.answers import answer, step
from openivan.conf.rows import insert
from openivan.core.calendar import deadline_working_days, local
from openivan.core.errors import OpenIvanError
from openivan.core.verification import VerifiedDocument
from openivan.core.xml import document, forms
from openivan.core.xml.envelope import PROVIDER_SLOT, UNIT_SLOT, Envelope

I_VAN_FORMS = (forms.IvanRegistration, forms.IvanChange, forms.IvanStop)
Declaration = forms.IvanRegistration | forms.IvanChange | forms.IvanStop


@dataclass(frozen=True)
class IntakeOutcome:
    dossier: Dossier
    created: bool  # False: a replay, answered with the original answers
    answers: list[Answer]


def receive(provider: IvanProvider, body: bytes) -> IntakeOutcome:
    """Tiếp nhận: verify a signed envelope and make it a dossier, or refuse it whole.

    Idempotent: the same bytes, or the same provider and message id, give back the dossier
    made the first time — also when the two copies arrive at once.
    """
    digest = hashlib.sha256(body).hexdigest()
    try:
        verified = trust.verifier().verify_envelope(body)
        envelope = verified.model
        assert isinstance(envelope, Envelope)
        declaration = _declaration(envelope)
        _check_rules(provider, verified, envelope, declaration)
    except OpenIvanError:
        # Bytes received before get their original answers even if they would be refused
        # now (a certificate revoked since, a registration stopped since). Read only here:
        # the hot path of new messages does not pay for it.
        replay = _replay(provider, content_sha256=digest)
        if replay:
            return replay
        raise
    now = timezone.localtime().replace(microsecond=0)  # Vietnam time, as answers show it
    number = _next_number(now)
    try:
        with transaction.atomic():
            dossier, answers = _create_dossier(provider, number, now, body, digest, verified,
                                               envelope, declaration)
    except IntegrityError:
        # The same bytes or message id were received before (or a concurrent copy won the
        # race): answer with what was made then. The unique constraints decide, not a read.
        replay = (_replay(provider, content_sha256=digest)
                  or _replay(provider, message_id=envelope.content.message_id))
        if replay is None:
            raise
        return replay
    return IntakeOutcome(dossier, created=True, answers=answers)


def _replay(provider: IvanProvider, **lookup: str) -> IntakeOutcome | None:
    dossier = Dossier.objects.filter(provider=provider, **lookup).first()
    return IntakeOutcome(dossier, False, list(dossier.answers.all())) if dossier else None


def declaration_of(dossier: Dossier) -> Declaration:
    """The declaration inside a stored dossier (its bytes were verified at reception)."""
    _, envelope = document.read(bytes(dossier.signed_bytes))
    assert isinstance(envelope, Envelope)
    return _declaration(envelope)


def _declaration(envelope: Envelope) -> Declaration:
    files = envelope.content.dossier.files
    if len(files) != 1:
        raise OpenIvanError("XML_FIELD_INVALID", path="/Hoso/NoiDung/ThongTinHoSo/ToKhais",
                            reason="an I-VAN dossier carries exactly one declaration")
    _, declaration = document.read(files[0].content)
    if not isinstance(declaration, I_VAN_FORMS) or files[0].form_code != declaration.FORM_CODE:
        raise OpenIvanError("XML_FIELD_INVALID", path="/Hoso/NoiDung/ThongTinHoSo/ToKhais",
                            reason=f"{files[0].form_code} is not the attached form")
    return declaration  # type: ignore[return-value]


def _check_rules(provider: IvanProvider, verified: VerifiedDocument, envelope: Envelope,
                 declaration: Declaration) -> None:
    content = envelope.content
    if content.ivan.code != provider.code:
        raise OpenIvanError("PROVIDER_MISMATCH", declared=content.ivan.code,
                            authenticated=provider.code)
    provider_certificate = verified.signatures[PROVIDER_SLOT].certificate.facts
    if provider_certificate.tax_code != provider.tax_code:
        raise OpenIvanError("PROVIDER_MISMATCH", declared=provider_certificate.tax_code or "?",
                            authenticated=provider.tax_code)
    registered = provider.certificate_thumbprints
    if registered and provider_certificate.thumbprint_sha256 not in registered:
        raise OpenIvanError("PROVIDER_CERT_UNKNOWN", provider=provider.code,
                            thumbprint=provider_certificate.thumbprint_sha256)
    certificate_mst = verified.signatures[UNIT_SLOT].certificate.facts.tax_code
    _check_mst(certificate_mst, content.unit.tax_code)
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


def registered_unit_code(tax_code: str) -> str:
    """The unit code the registry holds for a unit ("" when none): the one of its latest
    registration that has one. One unit has one current code."""
    return (UnitRegistration.objects.filter(tax_code=tax_code).exclude(unit_code="")
            .order_by("status", "-since", "-id")  # active before stopped, newest first
            .values_list("unit_code", flat=True).first() or "")


def check_unit_code(tax_code: str, declared: str) -> str:
    """The unit code a declaration stands for: the registry's when it names none; a code
    other than the registry's is refused (UNIT_CODE_MISMATCH), never applied."""
    registered = registered_unit_code(tax_code)
    if declared and registered and declared != registered:
        raise OpenIvanError("UNIT_CODE_MISMATCH", tax_code=tax_code, declared=declared,
                            registered=registered)
    return declared or registered


def active_registration(tax_code: str, ivan_code: str) -> UnitRegistration | None:
    """The unit's running registration with this provider, which a 05 or 06 refers to."""
    return UnitRegistration.objects.select_related("provider").filter(
        tax_code=tax_code, provider__code=ivan_code, status=RegistrationStatus.ACTIVE).first()


def _check_mst(certificate_mst: str | None, declared: str) -> None:
    """The certificate's MST equals the unit's, or the unit is a branch of it (a setting)."""
    if certificate_mst == declared:
        return
    if (settings.OPENIVAN_ALLOW_BRANCH_MST and certificate_mst and len(certificate_mst) == 10
            and declared.startswith(certificate_mst + "-")):
        return
    raise OpenIvanError("MST_MISMATCH", certificate=certificate_mst or "?", declared=declared)


def _create_dossier(provider: IvanProvider, number: str, now: datetime, body: bytes,
                    digest: str, verified: VerifiedDocument, envelope: Envelope,
                    declaration: Declaration) -> tuple[Dossier, list[Answer]]:
    header = declaration.header
    unit_signature = verified.signatures[UNIT_SLOT]
    dossier = Dossier(
        number=number, provider=provider, message_id=envelope.content.message_id,
        content_sha256=digest, form_code=declaration.FORM_CODE,
        unit_tax_code=header.tax_code,
        unit_code=header.unit_code or registered_unit_code(header.tax_code),
        unit_name=header.unit_name, email=header.email, received_at=now,
        decision_deadline=deadline_working_days(now, settings.OPENIVAN_DECISION_WORKING_DAYS),
        signed_bytes=body, verification=_verification_record(verified),
        revocation_evidence=evidence.pack(verified, now),
    )
    insert([dossier])
    received = step(dossier, "TIEP_NHAN", f"Tiếp nhận hồ sơ {declaration.FORM_CODE} từ I-VAN "
                    f"{provider.code}; người ký {unit_signature.certificate.facts.common_name}",
                    now)
    # One statement per table: this is the hot path of every provider's traffic.
    answers = [
        answer(dossier, AnswerKind.TECHNICAL, forms.TechnicalAck(
            dossier.message_id, provider.code, now, "ChapNhanXuLy", []), now),
        answer(dossier, AnswerKind.RECEPTION, forms.ReceptionAnswer(
            dossier.message_id, provider.code, now, "DaTiepNhan", [], dossier.number, now), now),
    ]
    insert(answers)
    insert([received, activation.start(dossier, now)])
    return dossier, answers


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
    record: dict[str, Any] = {}
    for slot, checked in verified.signatures.items():
        facts = checked.certificate.facts
        record[slot] = {
            "subject": facts.subject, "serial": facts.serial, "tax_code": facts.tax_code,
            "thumbprint_sha256": facts.thumbprint_sha256,
            "signing_time": checked.signature.signing_time.isoformat()
            if checked.signature.signing_time else None,
            "checked_at": checked.signed_at.isoformat(),
            "revocation": checked.certificate.evidence,
        }
    return record
