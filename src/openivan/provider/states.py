"""The transaction's lifecycle (Trạng thái giao dịch), the one place its transitions live.

    draft ─▶ signing ─▶ signed ─▶ sending ─▶ received ─▶ accepted | rejected
      ▲  └──────────────▶┘           │  ▲
      └─ signing failed              │  └ retried while the agency is unreachable
                                     └▶ send_failed (the agency refused it)

Saving a draft keeps it a draft. A PKCS#12 file signs at once (draft → signed); a token or an
HSM signs outside the request (signing), and a failed or cancelled signing gives the draft
back. What was signed is sent as it is, however many tries it takes.
"""

from __future__ import annotations

from openivan.core.states import Machine
from openivan.platform import jobs
from openivan.provider.models import JobStatus as J
from openivan.provider.models import TransactionStatus as S

TRANSACTION = Machine("giao dịch", "transaction", {
    S.DRAFT: (S.DRAFT, S.SIGNING, S.SIGNED),
    S.SIGNING: (S.SIGNED, S.DRAFT),
    S.SIGNED: (S.SENDING,),
    S.SENDING: (S.SENDING, S.RECEIVED, S.SEND_FAILED),
    S.RECEIVED: (S.ACCEPTED, S.REJECTED),
    S.SEND_FAILED: (),
    S.ACCEPTED: (),
    S.REJECTED: (),
}, {status: status.label for status in S},  # translated when an error is raised
    code="TRANSACTION_STATE")  # the provider's pages and tests know this code

TRANSITIONS: dict[str, frozenset[str]] = {
    s: frozenset(TRANSACTION.transitions[s]) for s in TRANSACTION.states}
EDITABLE = frozenset({S.DRAFT})
FINAL = TRANSACTION.final
check = TRANSACTION.check
sources = TRANSACTION.sources

# A transaction's background job (signing with an HSM, sending), run by platform.jobs.
JOB_STATES = jobs.States(pending=J.PENDING, running=J.RUNNING, done=J.DONE, failed=J.FAILED)
JOB = jobs.job_machine(JOB_STATES)
