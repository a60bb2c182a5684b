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

from openivan.core.errors import OpenIvanError
from openivan.provider.models import TransactionStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.DRAFT, S.SIGNING, S.SIGNED}),
    S.SIGNING: frozenset({S.SIGNED, S.DRAFT}),
    S.SIGNED: frozenset({S.SENDING}),
    S.SENDING: frozenset({S.SENDING, S.RECEIVED, S.SEND_FAILED}),
    S.RECEIVED: frozenset({S.ACCEPTED, S.REJECTED}),
    S.SEND_FAILED: frozenset(),
    S.ACCEPTED: frozenset(),
    S.REJECTED: frozenset(),
}
EDITABLE = frozenset({S.DRAFT})
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


def check(current: str, target: str) -> None:
    """Raise TRANSACTION_STATE unless `current` may become `target`."""
    if target not in TRANSITIONS[current]:
        raise OpenIvanError("TRANSACTION_STATE", current=S(current).label,
                            target=S(target).label, from_status=current, to_status=target)


def sources(target: str) -> list[str]:
    """The statuses from which `target` may be reached (for a conditional UPDATE)."""
    return [s for s, targets in TRANSITIONS.items() if target in targets]
