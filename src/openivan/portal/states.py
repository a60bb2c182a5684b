"""The portal's lifecycles, the one place their transitions live.

Declaration (01/ĐK-GD):

    received ──────▶ accepted | rejected        (signed: automatic; paper: the desk decides)
    awaiting_desk ─▶ accepted | rejected        (the desk, within 10 days of confirmation)
                 └─▶ cancelled                  (not filed within 10 days)

Remote signing (Ký từ xa, a job of platform.jobs):

    pending ─▶ running ─▶ done                  (signed and received: a declaration)
                     ├─▶ pending                (the service out of reach: tried again)
                     └─▶ failed                 (refused, or out of reach too long)
"""

from __future__ import annotations

from openivan.core.states import Machine
from openivan.platform import jobs
from openivan.portal.models import DeclarationStatus as S
from openivan.portal.models import JobStatus as J

DECLARATION = Machine("tờ khai", "declaration", {
    S.RECEIVED: (S.ACCEPTED, S.REJECTED),
    S.AWAITING_DESK: (S.ACCEPTED, S.REJECTED, S.CANCELLED),
    S.ACCEPTED: (),
    S.REJECTED: (),
    S.CANCELLED: (),
}, {S.RECEIVED: "Đã tiếp nhận", S.AWAITING_DESK: "Chờ nộp tại cơ quan BHXH",
    S.ACCEPTED: "Chấp nhận", S.REJECTED: "Không chấp nhận", S.CANCELLED: "Đã hủy"})
check = DECLARATION.check
FINAL = DECLARATION.final

JOB_STATES = jobs.States(pending=J.PENDING, running=J.RUNNING, done=J.DONE, failed=J.FAILED)
JOB = jobs.job_machine(JOB_STATES)

REMOTE_SIGNING = Machine("ký từ xa", "remote signing", {
    J.PENDING: (J.RUNNING,),
    J.RUNNING: (J.DONE, J.PENDING, J.FAILED),
    J.FAILED: (),  # the person starts again (the password is wiped)
    J.DONE: (),
}, {J.PENDING: "Đang chờ ký", J.RUNNING: "Đang chờ ký", J.DONE: "Đã ký",
    J.FAILED: "Không ký được"})
