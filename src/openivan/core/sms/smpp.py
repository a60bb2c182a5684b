"""SMPP 3.4 to an SMSC through smpplib: bind once, submit, read delivery receipts.

- Text is NFC-normalised; anything outside the GSM alphabet (every Vietnamese letter with a
  tone mark) goes as UCS-2 (data_coding 8), and a long text as concatenated parts (a UDH with a
  reference, the count and the index: the phone joins them).
- Each part asks for a delivery receipt (registered_delivery 1); `receipts()` returns those that
  arrived (deliver_sm with esm_class 0x04), read from the receipted_message_id / message_state
  options or, failing those, from the receipt text (`id:… stat:DELIVRD err:000 …`).
- Each part waits for its answer before the next goes (stop-and-wait). Submitting all parts
  first was measured 3x slower against the test SMSC: its answers, written one by one without
  TCP_NODELAY, wait for our delayed ACKs (benchmarks/bench_sms.py).
- Failures keep their meaning: `SMS_UNREACHABLE` (no connection, or it broke), `SMS_BIND_REFUSED`
  (account or password refused), `SMS_THROTTLED` (ESME_RTHROTTLED, ESME_RMSGQFUL),
  `SMS_NUMBER_REJECTED` (bad destination), `SMS_REJECTED` (any other status), `SMS_TIMEOUT`.
  A number that is not a Vietnamese mobile is refused before anything is sent (PHONE_FORMAT,
  PHONE_NETWORK).

One `SmppChannel` holds one bound connection and is safe to share between threads (a lock
serialises the PDU exchanges). A connection found broken is re-opened once per call.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import ssl
import threading
import time
import unicodedata
from datetime import UTC, datetime
from typing import Any

import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import parse_mobile
from openivan.core.sms.channel import DeliveryReceipt, SentSms
from openivan.core.sms.config import SmppSettings

THROTTLED = frozenset({c.SMPP_ESME_RTHROTTLED, c.SMPP_ESME_RMSGQFUL})
BAD_NUMBER = frozenset({c.SMPP_ESME_RINVDSTADR, 0x50, 0x51})  # address, its TON, its NPI
MESSAGE_STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV",
                  6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD"}
ESM_DELIVERY_RECEIPT = 0x04
LOGGER = "openivan.sms.smpp"  # one logger (smpplib makes one per client otherwise, kept forever)
_RECEIPT_RE = re.compile(r"(\w+(?: date)?):(\S*)")


def encode_text(text: str) -> tuple[list[bytes], int, int]:
    """(parts, data_coding, esm_class): GSM when every character allows it, else UCS-2."""
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise OpenIvanError("SMS_EMPTY")
    try:
        parts, coding, esm = smpplib.gsm.make_parts(text)
    except smpplib.exceptions.MessageTooLong as exc:
        raise OpenIvanError("SMS_TOO_LONG", parts=">255", limit=255) from exc
    return list(parts), int(coding), int(esm)


def parse_receipt(short_message: bytes, receipted_id: str | None = None,
                  message_state: int | None = None) -> DeliveryReceipt:
    """A delivery receipt from a deliver_sm: its options first, the text's fields after."""
    text = short_message.decode("latin-1", errors="replace")
    fields = {k.lower(): v for k, v in _RECEIPT_RE.findall(text)}
    message_id = (receipted_id or fields.get("id", "")).rstrip("\x00")
    state = MESSAGE_STATES.get(message_state or 0) or fields.get("stat", "UNKNOWN").upper()
    done: datetime | None = None
    raw_done = fields.get("done date", "")
    fmt = {10: "%y%m%d%H%M", 12: "%y%m%d%H%M%S"}.get(len(raw_done))  # YYMMDDhhmm[ss]
    if fmt and raw_done.isdigit():
        try:
            done = datetime.strptime(raw_done, fmt).replace(tzinfo=UTC)
        except ValueError:
            done = None
    return DeliveryReceipt(message_id, state, fields.get("err", "000"), done)


class SmppChannel:
    """An SMS channel over SMPP 3.4 (bind_transceiver: submits and receipts on one link)."""

    def __init__(self, settings: SmppSettings, *, ssl_context: ssl.SSLContext | None = None):
        self.settings = settings
        self._ssl = ssl_context if ssl_context is not None else (
            ssl.create_default_context() if settings.tls else None)
        self._client: Any = None
        self._lock = threading.Lock()
        self._receipts: list[DeliveryReceipt] = []

    # ------------------------------------------------------------ connection

    def _unreachable(self, reason: str) -> OpenIvanError:
        return OpenIvanError("SMS_UNREACHABLE", host=self.settings.host,
                             port=self.settings.port, reason=reason)

    def _bind(self) -> Any:
        s = self.settings
        client = smpplib.client.Client(s.host, s.port, timeout=s.timeout,
                                       allow_unknown_opt_params=True, logger_name=LOGGER)
        # Connected here rather than by smpplib: its TLS wrapping passes no server name (so a
        # verifying context cannot work), and its refusal hides the reason.
        try:
            raw = socket.create_connection((s.host, s.port), timeout=s.timeout)
        except OSError as exc:
            raise self._unreachable(exc.strerror or str(exc)) from exc
        if self._ssl is not None:
            try:
                raw = self._ssl.wrap_socket(raw, server_hostname=s.host)
            except OSError as exc:  # ssl.SSLError: handshake or certificate refused
                raw.close()
                raise self._unreachable(f"TLS: {exc}") from exc
        client._socket = raw
        client.state = c.SMPP_CLIENT_STATE_OPEN
        # Small PDUs go out one after another (a receipt's answer, then the next submit):
        # without TCP_NODELAY, Nagle's algorithm holds the second until the SMSC's delayed ACK
        # (measured: 2 to 5x slower, benchmarks/bench_sms.py).
        client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            client.bind_transceiver(system_id=s.system_id, password=s.password,
                                    system_type=s.system_type)
        except smpplib.exceptions.PDUError as exc:
            self._drop(client)
            status = exc.args[1] if len(exc.args) > 1 else "?"
            raise OpenIvanError("SMS_BIND_REFUSED", system_id=s.system_id,
                                status=_hex(status)) from exc
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            self._drop(client)
            raise self._unreachable("the connection closed during bind") from exc
        return client

    @staticmethod
    def _drop(client: Any) -> None:
        # Dropped on purpose (closing, or the link broke): no "disconnecting bound" warning.
        client.state = c.SMPP_CLIENT_STATE_OPEN
        try:
            client.disconnect()
        except Exception:  # closing a broken socket: nothing to report
            client._socket = None

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):  # the SMSC may already be gone
                client.unbind()
            self._drop(client)

    # ------------------------------------------------------------ sending

    def send(self, to: str, text: str) -> SentSms:
        number = parse_mobile(to)
        destination = "84" + number.number[1:]
        parts, coding, esm = encode_text(text)
        if len(parts) > self.settings.max_parts:
            raise OpenIvanError("SMS_TOO_LONG", parts=len(parts), limit=self.settings.max_parts)
        with self._lock:
            reused = self._client is not None
            try:
                ids = self._submit(destination, parts, coding, esm)
            except _Broken:
                self._forget()
                if not reused:
                    raise self._unreachable("the connection broke") from None
                try:  # a connection kept from before may have died meanwhile: one new try
                    ids = self._submit(destination, parts, coding, esm)
                except _Broken:
                    self._forget()
                    raise self._unreachable("the connection broke") from None
        encoding = "UCS2" if coding == c.SMPP_ENCODING_ISO10646 else "GSM"
        return SentSms(destination, tuple(ids), encoding)

    def _forget(self) -> None:
        if self._client is not None:
            self._drop(self._client)
            self._client = None

    def _submit(self, destination: str, parts: list[bytes], coding: int, esm: int) -> list[str]:
        if self._client is None:
            self._client = self._bind()
        client = self._client
        s = self.settings
        alnum = s.source_is_alphanumeric
        ids: list[str] = []
        try:
            for part in parts:
                pdu = client.send_message(
                    source_addr_ton=c.SMPP_TON_ALNUM if alnum else c.SMPP_TON_INTL,
                    source_addr_npi=c.SMPP_NPI_UNK if alnum else c.SMPP_NPI_ISDN,
                    source_addr=s.source,
                    dest_addr_ton=c.SMPP_TON_INTL, dest_addr_npi=c.SMPP_NPI_ISDN,
                    destination_addr=destination, short_message=part, data_coding=coding,
                    esm_class=esm, registered_delivery=1)
                while True:
                    answer = client.read_pdu()
                    if answer.command == "submit_sm_resp" and answer.sequence == pdu.sequence:
                        break
                    self._other(client, answer)
                if answer.is_error():
                    # Parts already taken stay taken: the phone shows what arrived; a retry
                    # sends the whole message again (the notice job decides).
                    raise self._refusal(int(answer.status), destination)
                ids.append(_text(answer.message_id))
        except TimeoutError:
            self._forget()
            raise OpenIvanError("SMS_TIMEOUT", seconds=s.timeout) from None
        except (smpplib.exceptions.ConnectionError, OSError) as exc:
            raise _Broken() from exc
        return ids

    @staticmethod
    def _refusal(status: int, destination: str) -> OpenIvanError:
        if status in THROTTLED:
            return OpenIvanError("SMS_THROTTLED", status=_hex(status))
        if status in BAD_NUMBER:
            return OpenIvanError("SMS_NUMBER_REJECTED", number=destination, status=_hex(status))
        return OpenIvanError("SMS_REJECTED", status=_hex(status))

    def _other(self, client: Any, pdu: Any) -> None:
        """A PDU that is not the answer awaited: receipts, keep-alives."""
        if pdu.command == "deliver_sm":
            if int(pdu.esm_class or 0) & ESM_DELIVERY_RECEIPT:
                self._receipts.append(parse_receipt(
                    pdu.short_message or b"", _text(getattr(pdu, "receipted_message_id", None)),
                    getattr(pdu, "message_state", None)))
            resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=client)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
        elif pdu.command == "enquire_link":
            resp = smpplib.smpp.make_pdu("enquire_link_resp", client=client)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
        elif pdu.command == "unbind":
            resp = smpplib.smpp.make_pdu("unbind_resp", client=client)
            resp.sequence = pdu.sequence
            client.send_pdu(resp)
            raise smpplib.exceptions.ConnectionError("the SMSC unbound")

    # ------------------------------------------------------------ receipts

    def receipts(self, wait: float = 0.0) -> list[DeliveryReceipt]:
        """Receipts read so far, after reading what the SMSC sent within `wait` seconds."""
        with self._lock:
            client = self._client
            if client is not None:
                try:
                    self._read_available(client, wait)
                except (smpplib.exceptions.ConnectionError, OSError):
                    self._forget()
            found, self._receipts = self._receipts, []
        return found

    def _read_available(self, client: Any, wait: float) -> None:
        deadline = _now() + wait
        while True:
            left = max(0.0, deadline - _now())
            readable, _, _ = select.select([client._socket], [], [], left)
            if not readable:
                return
            self._other(client, client.read_pdu())


class _Broken(Exception):
    """The connection failed under a PDU exchange."""


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.rstrip(b"\x00").decode("ascii", errors="replace")
    return "" if value is None else str(value)


def _hex(status: Any) -> str:
    return f"0x{status:08X}" if isinstance(status, int) else str(status)


def _now() -> float:
    return time.monotonic()
