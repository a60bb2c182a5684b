"""The notification's lifecycle (Trạng thái thông báo), the one place its transitions live::

    pending ─▶ sending ─▶ sent
       ▲          │
       └──────────┤  a retry after a failed attempt, or its worker died (lost)
                  ▼
    failed ◀── (the last attempt failed) ── failed ─▶ pending (Gửi lại: sent again by hand)
    pending | failed ─▶ expired  (what it carries, a code, stopped working before it left)
"""

from __future__ import annotations

from openivan.core.states import Machine
from openivan.notify.models import NotificationStatus as N
from openivan.platform import jobs

NOTIFICATION = Machine("thông báo", "notification", {
    N.PENDING: (N.SENDING, N.EXPIRED),
    N.SENDING: (N.SENT, N.PENDING, N.FAILED),
    N.FAILED: (N.PENDING, N.EXPIRED),
    N.SENT: (),
    N.EXPIRED: (),
}, {N.PENDING: "Chờ gửi", N.SENDING: "Đang gửi", N.SENT: "Đã gửi",
    N.FAILED: "Gửi không thành công", N.EXPIRED: "Hết hạn dùng, không gửi"})

# The stages of the outbox row as a job of the `email` queue.
JOB_STATES = jobs.States(pending=N.PENDING, running=N.SENDING, done=N.SENT, failed=N.FAILED)
