"""Quyết định: accept or reject a confirmed dossier — automatically, or by an officer — and
keep the registry of units in step with what was accepted."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation

from openivan.accounts.services import IssuedAccount, issue_unit_account
from openivan.agency.models import (
    AnswerKind,
    Dossier,
    DossierStatus,
    RegisteredCertificate,
    RegistrationStatus,
    ReviewReason,
    UnitRegistration,
)
from openivan.agency.services.answers import add_step, give_answer
from openivan.agency.services.unit_registry import (
    Declaration,
    active_registration,
    check_unit_code,
    declaration_of,
)
from openivan.agency.states import DOSSIER, REGISTRATION
from openivan.core.calendar import local
from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_unit_code
from openivan.core.xml import forms
from openivan.notify.services import queue_email
from openivan.platform.services import audit

DECIDABLE = (DossierStatus.NEEDS_REVIEW,)


def after_activation(dossier: Dossier, *, reissue_password: bool) -> IssuedAccount | None:
    """Inside the activation's transaction: the account, the decision or the officer queue,
    and the completion email ("Hoàn tất thủ tục")."""
    declaration = declaration_of(dossier)
    assert declaration is not None  # only our procedures have an activation
    account = None
    if not isinstance(declaration, forms.IvanStop):
        account = issue_unit_account(dossier.unit_tax_code, dossier.unit_name, dossier.email,
                                     reissue=reissue_password)
        if account.one_time_password is None:
            account = None
    if (not isinstance(declaration, forms.IvanRegistration)
            and active_registration(dossier.unit_tax_code, declaration.ivan_code) is None):
        # Another dossier stopped it between this one's reception and its confirmation.
        _reject(dossier, None, "REGISTRATION_NOT_FOUND",
                "Đơn vị không còn đăng ký giao dịch điện tử qua tổ chức I-VAN này")
        return account
    if dossier.unit_code != (code := check_unit_code_or_none(dossier)):
        if code is None:  # an officer gave the unit another code since this was received
            _reject(dossier, None, "UNIT_CODE_MISMATCH",
                    f"Mã đơn vị {dossier.unit_code} khác mã đơn vị BHXH đã cấp cho đơn vị")
            return account
        dossier.unit_code = code
        dossier.save(update_fields=["unit_code"])
    review = _review_reason(dossier)
    if review:
        DOSSIER.check(dossier.status, DossierStatus.NEEDS_REVIEW)
        dossier.status, dossier.review_reason = DossierStatus.NEEDS_REVIEW, review
        dossier.save(update_fields=["status", "review_reason"])
        with translation.override("vi"):  # steps are the record the provider reads
            add_step(dossier, "CHO_CAN_BO", f"Chuyển cán bộ xử lý: {review.label}")
    else:
        _accept(dossier, declaration, officer=None)
    queue_email(dossier.number, "completed", dossier.email, {
        "dossier": dossier, "account": account, "review": review and review.label,
        "deadline": local(dossier.decision_deadline),
        "stop_on": getattr(declaration, "stop_on", None),
        "login_url": f"{settings.OPENIVAN_PUBLIC_URL}/tai-khoan/dang-nhap/"})
    return account


def check_unit_code_or_none(dossier: Dossier) -> str | None:
    """The unit code the dossier stands for now, or None when it contradicts the registry."""
    try:
        return check_unit_code(dossier.unit_tax_code, dossier.unit_code)
    except OpenIvanError:
        return None


def _review_reason(dossier: Dossier) -> ReviewReason | None:
    """Why a person must decide; None when the automatic checks suffice."""
    if (dossier.form_code == forms.IvanRegistration.FORM_CODE and not dossier.unit_code
            and settings.OPENIVAN_REVIEW_UNITS_WITHOUT_CODE):
        return ReviewReason.NO_UNIT_CODE
    return None


def unit_code_to_assign(dossier: Dossier, unit_code: str) -> str:
    """The unit code an officer's acceptance gives the unit (normalised), "" when the dossier
    carries one already. A unit queued because it has none cannot be accepted without one;
    a dossier queued for another reason (a procedure the agency does not process, whose
    unit may well have no code: an individual's form) needs none."""
    if dossier.unit_code or dossier.review_reason != ReviewReason.NO_UNIT_CODE:
        return ""
    if not unit_code.strip():
        raise OpenIvanError("UNIT_CODE_REQUIRED")
    unit_code = parse_unit_code(unit_code)
    other = (UnitRegistration.objects.filter(unit_code=unit_code)
             .exclude(tax_code=dossier.unit_tax_code).values_list("tax_code", flat=True).first())
    if other:
        raise OpenIvanError("UNIT_CODE_TAKEN", unit_code=unit_code, tax_code=other)
    return unit_code


def accept(dossier_number: str, officer: AbstractBaseUser, unit_code: str = "") -> Dossier:
    """An officer accepts a queued dossier (and gives a new unit its unit code)."""
    if unit_code:
        unit_code = parse_unit_code(unit_code)
    with transaction.atomic():
        dossier = _decidable(dossier_number)
        unit_code = unit_code_to_assign(dossier, unit_code)
        if unit_code:
            dossier.unit_code = unit_code
            dossier.save(update_fields=["unit_code"])
        _accept(dossier, declaration_of(dossier), officer=officer)
        if dossier.email:  # a procedure the agency does not process names no email
            queue_email(dossier.number, "decision", dossier.email, {"dossier": dossier})
        audit.record(officer, "dossier.accepted", f"dossier:{dossier.number}",
                     unit_code=dossier.unit_code)
    return dossier


def reject(dossier_number: str, officer: AbstractBaseUser, reason: str) -> Dossier:
    """An officer refuses a queued dossier; the reason goes to the unit and the provider."""
    reason = reason.strip()
    if not reason:
        raise OpenIvanError("REASON_REQUIRED")
    with transaction.atomic():
        dossier = _decidable(dossier_number)
        _reject(dossier, officer, "TU_CHOI_CAN_BO", reason)
        audit.record(officer, "dossier.rejected", f"dossier:{dossier.number}", reason=reason)
    return dossier


def _reject(dossier: Dossier, officer: AbstractBaseUser | None, code: str, reason: str) -> None:
    """Refused: the signed answer for the provider, the step, the email to the unit."""
    _decide(dossier, DossierStatus.REJECTED, officer, reason,
            [forms.ReasonItem(code, reason[:2000], None)])
    who = f"Cán bộ {officer.get_username()} từ chối" if officer else "Từ chối"
    add_step(dossier, "TU_CHOI", f"{who}: {reason}")
    if dossier.email:  # a procedure the agency does not process names no email
        queue_email(dossier.number, "decision", dossier.email, {"dossier": dossier})


def expire(dossier: Dossier, now: datetime) -> None:
    """No code was entered by the decision deadline (the code ran out, and no new one sent by an
    officer was used): the dossier ends, refused, and the provider learns it."""
    reason = (f"Đơn vị không xác nhận trong {settings.OPENIVAN_ACTIVATION_HOURS} giờ và không "
              "xác nhận bằng mã mới trước hạn giải quyết")
    _decide(dossier, DossierStatus.EXPIRED, None, reason,
            [forms.ReasonItem("ACTIVATION_EXPIRED", reason, None)], now)
    add_step(dossier, "HET_HAN", reason + "; hồ sơ hết hiệu lực", now)


def _decidable(number: str) -> Dossier:
    dossier = Dossier.objects.select_for_update().filter(number=number).first()
    if dossier is None:
        raise OpenIvanError("DOSSIER_NOT_FOUND", number=number)
    if dossier.status not in DECIDABLE:
        raise OpenIvanError("DECISION_NOT_ALLOWED", number=number,
                            status=dossier.get_status_display())
    return dossier


def _accept(dossier: Dossier, declaration: Declaration | None,
            officer: AbstractBaseUser | None) -> None:
    _decide(dossier, DossierStatus.ACCEPTED, officer, "", [])
    if declaration is not None:  # an unsupported procedure changes no registry
        _apply_to_registry(dossier, declaration, officer)
    who = f"cán bộ {officer.get_username()}" if officer else "tự động"
    add_step(dossier, "CHAP_NHAN", f"Chấp nhận hồ sơ ({who})")


def _decide(dossier: Dossier, status: DossierStatus, officer: AbstractBaseUser | None,
            reason: str, reasons: list[forms.ReasonItem], now: datetime | None = None) -> None:
    DOSSIER.check(dossier.status, status)
    now = timezone.localtime(now).replace(microsecond=0)
    dossier.status, dossier.decided_at, dossier.decision_reason = status, now, reason
    dossier.decided_by_id = officer.pk if officer else None  # type: ignore[attr-defined]
    dossier.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    give_answer(dossier, AnswerKind.DECISION, forms.DecisionAnswer(
        dossier.message_id, dossier.provider.code, dossier.number, now,
        "ChapNhan" if status == DossierStatus.ACCEPTED else "TuChoi", reasons), now)


# ---------------------------------------------------------------- registry


def _apply_to_registry(dossier: Dossier, declaration: Declaration,
                       officer: AbstractBaseUser | None) -> None:
    today = local(dossier.decided_at or timezone.now()).date()
    if dossier.unit_code:  # one unit, one current code: every registration of it carries it
        for other in UnitRegistration.objects.select_related("provider").filter(
                tax_code=dossier.unit_tax_code).exclude(unit_code=dossier.unit_code):
            previous, other.unit_code = other.unit_code, dossier.unit_code
            other.save(update_fields=["unit_code"])
            _audit_registry(officer, "registration.unit_code_changed", other, dossier,
                            unit_code=other.unit_code, previous=previous)
    if isinstance(declaration, forms.IvanRegistration):
        registration, created = UnitRegistration.objects.update_or_create(
            tax_code=dossier.unit_tax_code, provider=dossier.provider,
            status=RegistrationStatus.ACTIVE,
            defaults={"unit_code": dossier.unit_code, "name": dossier.unit_name,
                      "email": dossier.email, "dossier": dossier, "until": None},
            create_defaults={"unit_code": dossier.unit_code, "name": dossier.unit_name,
                             "email": dossier.email, "dossier": dossier, "since": today})
        _register_certificate(registration, declaration.certificate, dossier, today)
        _audit_registry(officer, "registration.started" if created else "registration.renewed",
                        registration, dossier, since=str(registration.since))
        return
    registration = active_registration(dossier.unit_tax_code, declaration.ivan_code)
    assert registration is not None  # checked by after_activation in this transaction
    if isinstance(declaration, forms.IvanChange):
        registration.email = declaration.new.email
        registration.save(update_fields=["email"])
        _register_certificate(registration, declaration.new.certificate, dossier, today)
        _audit_registry(officer, "registration.changed", registration, dossier,
                        email=registration.email, certificate=declaration.new.certificate.serial)
    else:
        registration.until = declaration.stop_on
        if declaration.stop_on <= today:  # otherwise the sweep stops it on that date
            REGISTRATION.check(registration.status, RegistrationStatus.STOPPED)
            registration.status = RegistrationStatus.STOPPED
        registration.save(update_fields=["until", "status"])
        registration.certificates.filter(until__isnull=True).update(until=declaration.stop_on)
        _audit_registry(officer, "registration.stopped"
                        if registration.status == RegistrationStatus.STOPPED
                        else "registration.stop_scheduled", registration, dossier,
                        until=str(declaration.stop_on))


def _audit_registry(officer: AbstractBaseUser | None, action: str,
                    registration: UnitRegistration, dossier: Dossier | None,
                    **details: str) -> None:
    target = f"registration:{registration.tax_code}/{registration.provider.code}"
    audit.record(officer, action, target, dossier=dossier.number if dossier else None, **details)


def _register_certificate(registration: UnitRegistration, certificate: forms.CertificateInfo,
                          dossier: Dossier, today: date) -> None:
    current = registration.certificates.filter(until__isnull=True)
    if current.filter(serial__iexact=certificate.serial).exists():
        return
    current.update(until=today)
    # One row per certificate: one registered before, then replaced, is registered again.
    if registration.certificates.filter(serial__iexact=certificate.serial).update(
            until=None, dossier=dossier):
        return
    RegisteredCertificate.objects.create(
        registration=registration, serial=certificate.serial, issuer=certificate.issuer,
        subject=certificate.subject, valid_from=certificate.valid_from,
        valid_to=certificate.valid_to, since=today, dossier=dossier)


def stop_ended_registrations(today: date | None = None) -> int:
    """A stop takes effect on its stop date: registrations whose `until` has come end."""
    today = today or local(timezone.now()).date()
    ended = UnitRegistration.objects.filter(
        status=RegistrationStatus.ACTIVE, until__isnull=False, until__lte=today)
    stopped = 0
    for pk in ended.values_list("pk", flat=True):
        with transaction.atomic():
            registration = (UnitRegistration.objects.select_for_update()
                            .select_related("provider").get(pk=pk))
            if registration.status != RegistrationStatus.ACTIVE:
                continue  # another worker's sweep got there first
            REGISTRATION.check(registration.status, RegistrationStatus.STOPPED)
            registration.status = RegistrationStatus.STOPPED
            registration.save(update_fields=["status"])
            _audit_registry(None, "registration.stopped", registration, None,
                            until=str(registration.until))
            stopped += 1
    return stopped
