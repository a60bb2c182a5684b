"""The SMS channel interface: what the notification jobs call, whatever carries the message.

`SmppChannel` (core.sms.smpp) speaks SMPP 3.4 to an SMSC; a carrier's HTTP brandname gateway
can be added as another class with the same two methods. Failures are `OpenIvanError`s with the
codes of core.errors; `is_retryable` tells the job whether to try again later (with
backoff) or give up and record the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from openivan.core.errors import OpenIvanError

# Worth another try later: the SMSC is away, slow or asks us to slow down.
RETRYABLE = frozenset({"SMS_UNREACHABLE", "SMS_THROTTLED", "SMS_TIMEOUT"})


def is_retryable(error: OpenIvanError) -> bool:
    return error.code in RETRYABLE


@dataclass(frozen=True)
class SentSms:
    """What the SMSC took: one message id per part (a long text travels as several)."""

    to: str  # international form without '+', as sent: 84912345678
    message_ids: tuple[str, ...]
    encoding: str  # "GSM" (SMSC default alphabet) or "UCS2"

    @property
    def parts(self) -> int:
        return len(self.message_ids)


@dataclass(frozen=True)
class DeliveryReceipt:
    """Báo cáo phát (delivery receipt) of one part, as the SMSC reports it."""

    message_id: str
    state: str  # DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE
    error: str  # the network's error code, "000" when none
    done_at: datetime | None

    @property
    def delivered(self) -> bool:
        return self.state == "DELIVRD"

    @property
    def final(self) -> bool:
        return self.state != "ENROUTE"


class SmsChannel(Protocol):
    def send(self, to: str, text: str) -> SentSms:
        """Hand `text` to the carrier for the Vietnamese mobile `to`; split when long."""
        ...

    def receipts(self, wait: float = 0.0) -> list[DeliveryReceipt]:
        """Delivery receipts that arrived since the last call (waiting up to `wait` s)."""
        ...

    def close(self) -> None: ...
