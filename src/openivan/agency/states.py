"""The agency's lifecycles, the one place their transitions live (checked by the services,
read by the console for a dossier's next steps).

Dossier (hồ sơ)::

    awaiting_activation ─▶ needs_review ─▶ accepted | rejected   (an officer decides)
            │  ▲    └────▶ accepted | rejected                    (decided on confirmation)
            ▼  │ a new code (Cấp mã xác nhận mới)
       code_expired ─▶ expired                                    (at the decision deadline)

Registration (đăng ký giao dịch): active ─▶ stopped.
Activation (mã xác nhận), derived from its row: waiting ─▶ used | locked | expired;
locked ─▶ expired; locked or expired ─▶ waiting (an officer sends a new code).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from openivan.agency.models import Activation, DossierStatus, RegistrationStatus
from openivan.core.states import Machine

D = DossierStatus

DOSSIER = Machine("hồ sơ", "dossier", {
    D.AWAITING_ACTIVATION: (D.AWAITING_ACTIVATION, D.NEEDS_REVIEW, D.ACCEPTED, D.REJECTED,
                            D.CODE_EXPIRED),
    D.CODE_EXPIRED: (D.AWAITING_ACTIVATION, D.EXPIRED),
    D.NEEDS_REVIEW: (D.ACCEPTED, D.REJECTED),
    D.ACCEPTED: (),
    D.REJECTED: (),
    D.EXPIRED: (),
}, {D.AWAITING_ACTIVATION: "Chờ xác nhận", D.CODE_EXPIRED: "Mã hết hạn, chờ cấp mã mới",
    D.NEEDS_REVIEW: "Chờ cán bộ xử lý", D.ACCEPTED: "Chấp nhận", D.REJECTED: "Từ chối",
    D.EXPIRED: "Hết hạn xác nhận"})

REGISTRATION = Machine("đăng ký giao dịch", "registration", {
    RegistrationStatus.ACTIVE: (RegistrationStatus.STOPPED,),
    RegistrationStatus.STOPPED: (),
}, {RegistrationStatus.ACTIVE: "Đang giao dịch", RegistrationStatus.STOPPED: "Đã ngừng"})


class ActivationState:
    """Trạng thái mã xác nhận: not stored, read from the row (`activation_state`)."""

    WAITING = "waiting"
    USED = "used"
    LOCKED = "locked"
    EXPIRED = "expired"


A = ActivationState
ACTIVATION = Machine("mã xác nhận", "confirmation code", {
    A.WAITING: (A.WAITING, A.USED, A.LOCKED, A.EXPIRED),  # a wrong try before the last: waiting
    A.LOCKED: (A.EXPIRED, A.WAITING),
    A.EXPIRED: (A.WAITING,),
    A.USED: (),
}, {A.WAITING: "đang chờ nhập", A.USED: "đã dùng", A.LOCKED: "bị khoá",
    A.EXPIRED: "hết hiệu lực"})


def activation_state(activation: Activation, now: datetime) -> str:
    if activation.used_at:
        return A.USED
    if activation.failed_tries >= settings.OPENIVAN_ACTIVATION_MAX_TRIES:
        return A.LOCKED
    if now >= activation.expires_at:
        return A.EXPIRED
    return A.WAITING
