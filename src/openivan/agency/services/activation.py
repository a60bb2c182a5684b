"""Kích hoạt: the emailed link and confirmation code that confirm a received dossier.

A code is 10 characters from an alphabet without look-alikes, stored only as an HMAC, valid
24 hours, used once, locked after 5 wrong tries (all settings)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from openivan.accounts.services import IssuedAccount
from openivan.agency.models import Activation, Dossier, DossierStatus, ProcessingStep
from openivan.agency.services import decisions
from openivan.agency.services.answers import add_step, step
from openivan.agency.states import ACTIVATION, DOSSIER, ActivationState, activation_state
from openivan.core.calendar import local, shown
from openivan.core.codes import UNAMBIGUOUS, random_code
from openivan.core.errors import OpenIvanError
from openivan.notify.services import queue_email
from openivan.platform import sealing
from openivan.platform.rows import insert
from openivan.platform.services import audit

# The subject of the reception email, by form (seeds 000–003).
RECEPTION_TEMPLATES = {"04/ĐK-IVAN": "reception_register", "05/SĐ-IVAN": "reception_change",
                       "06/NG-IVAN": "reception_stop"}
TOKEN_PATTERN = re.compile(r"[0-9A-F]{64}")


def start(dossier: Dossier, now: datetime) -> ProcessingStep:
    """On reception, inside its transaction: a new link and code, and the email carrying them.
    Returns the step that tells of it, for the caller to save with its own."""
    activation, template, context = new_activation_email(dossier, now)
    insert([activation])
    queue_email(dossier.number, template, dossier.email, context,
                valid_until=activation.expires_at)
    return step(dossier, "GUI_MA_XAC_NHAN",
                f"Gửi thư xác nhận kèm mã xác nhận tới {dossier.email}; hiệu lực đến "
                f"{shown(activation.expires_at)}", now)


def new_activation_email(dossier: Dossier, now: datetime,
                         ) -> tuple[Activation, str, dict[str, Any]]:
    """A new link and code, and the template and context of the email that carries them:
    nothing saved, nothing queued."""
    activation, code = new_activation(dossier, now)
    return (activation, *reception_email(activation, code))


def new_activation(dossier: Dossier, now: datetime) -> tuple[Activation, str]:
    """A new link and code, not saved; the code exists in clear only in what this returns."""
    code = random_code(settings.OPENIVAN_CODE_LENGTH)
    token = secrets.token_hex(32).upper()
    return Activation(
        dossier=dossier, token=token, code_hash=_code_hash(token, code),
        expires_at=now + timedelta(hours=settings.OPENIVAN_ACTIVATION_HOURS)), code


def reception_email(activation: Activation, code: str) -> tuple[str, dict[str, Any]]:
    """The template and context of the email that carries the link and the code."""
    dossier = activation.dossier
    return RECEPTION_TEMPLATES[dossier.form_code], {
        "dossier": dossier, "code": code, "link": link(activation),
        "expires_at": local(activation.expires_at),
        "hours": settings.OPENIVAN_ACTIVATION_HOURS,
        "max_tries": settings.OPENIVAN_ACTIVATION_MAX_TRIES}


def link(activation: Activation) -> str:
    return f"{settings.OPENIVAN_PUBLIC_URL}/kich-hoat/{activation.token}"


def _code_hash(token: str, code: str) -> str:
    # Keyed by the data key and the token: a leaked table gives no code without the key.
    return sealing.digest(_code_message(token, code))


def _code_message(token: str, code: str) -> bytes:
    return f"{token}:{code}".encode()


def codes_live_until(now: datetime | None = None) -> datetime | None:
    """When the last confirmation code sent so far stops being usable (None: none is). A data
    key replaced now must stay a fallback until then: codes are kept only as digests, so they
    cannot move to the new key."""
    now = now or timezone.now()
    return Activation.objects.filter(used_at__isnull=True, expires_at__gt=now).aggregate(
        last=Max("expires_at"))["last"]


def find(token: str) -> Activation:
    """The activation behind a link, for the page (read only)."""
    token = token.strip().upper()
    activation = (Activation.objects.select_related("dossier").filter(token=token).first()
                  if TOKEN_PATTERN.fullmatch(token) else None)
    if activation is None:
        raise OpenIvanError("ACTIVATION_NOT_FOUND")
    return activation


def check_usable(activation: Activation, now: datetime | None = None) -> None:
    """Why this link can no longer take a code, if it cannot."""
    now = now or timezone.now()
    if activation.used_at:
        raise OpenIvanError("ACTIVATION_USED",
                            used_at=shown(activation.used_at))
    if activation.failed_tries >= settings.OPENIVAN_ACTIVATION_MAX_TRIES:
        raise OpenIvanError("ACTIVATION_LOCKED", max_tries=settings.OPENIVAN_ACTIVATION_MAX_TRIES,
                            form=activation.dossier.form_code)
    if now >= activation.expires_at or activation.dossier.status == DossierStatus.EXPIRED:
        raise OpenIvanError("ACTIVATION_EXPIRED", hours=settings.OPENIVAN_ACTIVATION_HOURS,
                            form=activation.dossier.form_code)


@dataclass(frozen=True)
class Activated:
    dossier: Dossier
    account: IssuedAccount | None


def activate(token: str, code: str, *, reissue_password: bool) -> Activated:
    """"Gửi mã xác nhận": check the code; on success confirm the dossier, decide it or queue it
    for an officer, email the completion (with an account when one is issued), all at once.
    A wrong code is counted and committed before the refusal is raised."""
    normalised = normalise_code(code)
    with transaction.atomic():
        activation = Activation.objects.select_for_update().select_related("dossier").get(
            pk=find(token).pk)
        check_usable(activation)
        if not well_formed(normalised):  # cannot be a code: a slip, not a guess; not counted
            raise OpenIvanError("ACTIVATION_CODE_FORMAT", length=settings.OPENIVAN_CODE_LENGTH,
                                tries_left=tries_left(activation))
        if not _code_matches(activation, normalised):
            refusal = _count_wrong_try(activation)
        else:
            refusal = None
            account = _confirm(activation, reissue_password)
    if refusal is not None:
        raise refusal
    return Activated(activation.dossier, account)


def normalise_code(code: str) -> str:
    """The code as typed or pasted, without spaces and dashes, in capitals."""
    return re.sub(r"[\s-]", "", code).upper()


def well_formed(code: str) -> bool:
    """Whether a normalised code could be one the agency sends (length and alphabet)."""
    return len(code) == settings.OPENIVAN_CODE_LENGTH and not set(code) - set(UNAMBIGUOUS)


def tries_left(activation: Activation) -> int:
    return max(0, settings.OPENIVAN_ACTIVATION_MAX_TRIES - activation.failed_tries)


def _confirm(activation: Activation, reissue_password: bool) -> IssuedAccount | None:
    now = timezone.now()
    ACTIVATION.check(activation_state(activation, now), ActivationState.USED)
    activation.used_at, activation.reissue_asked = now, reissue_password
    activation.save(update_fields=["used_at", "reissue_asked"])
    dossier = activation.dossier
    add_step(dossier, "XAC_NHAN", "Đơn vị đã nhập đúng mã xác nhận trên cổng BHXH", now)
    return decisions.after_activation(dossier, reissue_password=reissue_password)


def _code_matches(activation: Activation, code: str) -> bool:
    # A code sent before the data key was replaced still matches under a fallback key.
    return sealing.digest_matches(activation.code_hash, _code_message(activation.token, code))


def _count_wrong_try(activation: Activation) -> OpenIvanError:
    now = timezone.now()
    before = activation_state(activation, now)
    activation.failed_tries += 1
    ACTIVATION.check(before, activation_state(activation, now))
    activation.save(update_fields=["failed_tries"])
    add_step(activation.dossier, "MA_XAC_NHAN_SAI",
             f"Nhập sai mã xác nhận (lần {activation.failed_tries})")
    left = tries_left(activation)
    if left <= 0:
        return OpenIvanError("ACTIVATION_LOCKED", max_tries=settings.OPENIVAN_ACTIVATION_MAX_TRIES,
                             form=activation.dossier.form_code)
    return OpenIvanError("ACTIVATION_CODE_WRONG", tries_left=left)


def reissuable(activation: Activation, now: datetime | None = None) -> bool:
    """Whether an officer may send the unit a new code: the dossier still waits for its code
    (or its code ran out and its decision deadline has not come), and the code sent is locked
    by wrong tries or has run out of time."""
    state = activation_state(activation, now or timezone.now())
    return (DOSSIER.allows(activation.dossier.status, DossierStatus.AWAITING_ACTIVATION)
            and state != ActivationState.WAITING
            and ACTIVATION.allows(state, ActivationState.WAITING))


def reissue(dossier_number: str, officer: Any) -> Activation:
    """"Cấp mã xác nhận mới": for a dossier whose code is locked or ran out (until its decision
    deadline ends it), a new link and code replace the old ones (the old link stops working)
    and a fresh email carries them; the dossier waits for the code again; the step and the
    audit log tell of it. One transaction."""
    now = timezone.now()
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().filter(number=dossier_number).first()
        if dossier is None:
            raise OpenIvanError("DOSSIER_NOT_FOUND", number=dossier_number)
        activation = Activation.objects.select_for_update().select_related("dossier").get(
            dossier=dossier)
        if not reissuable(activation, now):
            raise OpenIvanError("ACTIVATION_REISSUE_NOT_ALLOWED", number=dossier_number,
                                status=dossier.get_status_display())
        ACTIVATION.check(activation_state(activation, now), ActivationState.WAITING)
        DOSSIER.check(dossier.status, DossierStatus.AWAITING_ACTIVATION)
        if dossier.status != DossierStatus.AWAITING_ACTIVATION:
            dossier.status = DossierStatus.AWAITING_ACTIVATION
            dossier.save(update_fields=["status"])
        fresh, code = new_activation(dossier, now)
        activation.token, activation.code_hash = fresh.token, fresh.code_hash
        activation.expires_at, activation.failed_tries = fresh.expires_at, 0
        activation.save(update_fields=["token", "code_hash", "expires_at", "failed_tries"])
        template, context = reception_email(activation, code)
        queue_email(dossier.number, template, dossier.email, context,
                    valid_until=activation.expires_at)
        add_step(dossier, "CAP_LAI_MA",
                 f"Cán bộ {officer.get_username()} cấp mã xác nhận mới, gửi tới {dossier.email}; "
                 f"hiệu lực đến {shown(activation.expires_at)}", now)
        audit.record(officer, "activation.reissued", f"dossier:{dossier.number}",
                     email=dossier.email, expires_at=activation.expires_at.isoformat())
    return activation


def mark_expired_codes(now: datetime | None = None) -> int:
    """Sweep: a dossier whose code ran out unused waits, marked, for an officer to send a new
    one (until its decision deadline, when `end_unconfirmed` ends it)."""
    now = now or timezone.now()
    marked = 0
    for pk in Activation.objects.filter(
            used_at__isnull=True, expires_at__lte=now,
            dossier__status=DossierStatus.AWAITING_ACTIVATION).values_list("dossier_id", flat=True):
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().get(pk=pk)
            if dossier.status != DossierStatus.AWAITING_ACTIVATION:
                continue  # confirmed, or marked by another worker's sweep, meanwhile
            DOSSIER.check(dossier.status, DossierStatus.CODE_EXPIRED)
            dossier.status = DossierStatus.CODE_EXPIRED
            dossier.save(update_fields=["status"])
            add_step(dossier, "MA_HET_HAN",
                     f"Mã xác nhận hết hiệu lực mà đơn vị chưa nhập; cán bộ có thể cấp mã mới "
                     f"đến hạn giải quyết {shown(dossier.decision_deadline)}", now)
            marked += 1
    return marked


def end_unconfirmed(now: datetime | None = None) -> int:
    """Sweep: dossiers whose code ran out and were not confirmed with a new one by their
    decision deadline end as expired, with a refusal answer for the provider (the unit
    declares again)."""
    now = now or timezone.now()
    ended = 0
    for pk in Dossier.objects.filter(status=DossierStatus.CODE_EXPIRED,
                                     decision_deadline__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().get(pk=pk)
            if dossier.status == DossierStatus.CODE_EXPIRED:
                decisions.expire(dossier, now)
                ended += 1
    return ended
