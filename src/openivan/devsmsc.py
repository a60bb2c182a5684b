"""A test and demo SMSC on loopback (smpp34's SMPP 3.4 server) that keeps what it accepted,
sends delivery receipts, and can be told to refuse numbers, throttle or stay silent, as carriers
do. Like devpki: used by the tests, the SMS benchmark and the demo; never by production code.

    python -m openivan.devsmsc --port 2775      # runs until interrupted, printing each SMS

With `keep=<file>` (`--keep FILE`) each message, once all its parts arrived, is appended to the
file as one JSON line (`at`, `source`, `to`, `text` joined as the phone shows it, `parts`): the
demo's mailbox page reads them from there (`read_kept`), beside the emails.

smpp34's server accepts every bind; `refusing_smsc` is a minimal SMPP peer that answers a bind
with an error status (the one case the simulator cannot play)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import smpp34


@dataclass
class Submitted:
    source: str
    destination: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes
    message_id: str


def _concatenation(part: Submitted) -> tuple[int, int, int] | None:
    """(reference, count, index) of a part of a concatenated SMS (8-bit UDH), else None."""
    body = part.short_message
    if part.esm_class & 0x40 and len(body) >= 6 and body[1:3] == b"\x00\x03":
        return body[3], body[4], body[5]
    return None


def read_kept(path: str | Path) -> list[dict[str, Any]]:
    """The messages a `keep` file holds, newest first (an absent file: none yet)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in reversed(lines) if line.strip()]


def join_parts(parts: list[Submitted]) -> str:
    """The text a phone shows: UDH stripped, parts ordered by their index, UCS-2 decoded."""
    chunks: list[tuple[int, bytes]] = []
    for part in parts:
        body, index = part.short_message, 1
        if part.esm_class & 0x40:
            header_length = body[0]
            header = body[1:1 + header_length]
            if header[:2] == b"\x00\x03":
                index = header[4]
            body = body[1 + header_length:]
        chunks.append((index, body))
    data = b"".join(b for _, b in sorted(chunks))
    return data.decode("utf-16-be") if parts and parts[0].data_coding == 8 else data.decode(
        "latin-1")


@dataclass
class Smsc:
    host: str = "127.0.0.1"
    port: int = 0
    system_id: str = "SMSC"
    submitted: list[Submitted] = field(default_factory=list)
    reject: dict[str, int] = field(default_factory=dict)  # destination -> command_status
    throttle_next: int = 0  # answer the next N submits with ESME_RTHROTTLED
    silent: bool = False  # take submits and never answer (a hung SMSC)
    receipt_state: str = "DELIVRD"  # "" sends no delivery receipts
    binds: list[str] = field(default_factory=list)
    keep: str = ""  # a file each whole message is appended to, as a JSON line
    _pending: dict[tuple[str, int], list[Submitted]] = field(default_factory=dict)
    _sessions: dict[str, smpp34.Esme] = field(default_factory=dict)
    _tasks: set[asyncio.Future[None]] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: smpp34.Server | None = None

    async def _serve(self, ready: threading.Event) -> None:
        await self._listen()
        ready.set()
        count = 0
        while True:
            event = await self._server.next()
            if isinstance(event, smpp34.Esme):
                self.binds.append(event.system_id)
                self._sessions[event.session_id] = event
            elif isinstance(event, smpp34.SubmitSmEvent):
                if self.silent:
                    continue
                if self.throttle_next:
                    self.throttle_next -= 1
                    event.reject(command_status=smpp34.ESME_RTHROTTLED)
                    continue
                status = self.reject.get(event.destination_addr)
                if status is not None:
                    event.reject(command_status=status)
                    continue
                count += 1
                message_id = f"M{count:08d}"
                event.accept(message_id=message_id)
                self.submitted.append(Submitted(
                    event.source_addr, event.destination_addr, event.data_coding,
                    event.esm_class, event.registered_delivery, bytes(event.short_message),
                    message_id))
                if self.keep:
                    self._keep(self.submitted[-1])
                esme = self._sessions.get(event.session_id)
                if self.receipt_state and event.registered_delivery & 1 and esme is not None:
                    self._tasks.add(asyncio.ensure_future(self._receipt(
                        esme, event.destination_addr, event.source_addr, message_id)))

    async def _listen(self, patience: float = 5.0) -> None:
        """Start listening; a port its previous run still holds (a restart: its sessions close
        a moment after it stopped) is tried again for a few seconds, as a service manager would."""
        deadline = time.monotonic() + patience
        while True:
            self._server = smpp34.Server(self.host, self.port, system_id=self.system_id)
            try:
                await self._server.start()
                return
            except smpp34.SmppError as exc:
                if "os error 98" not in str(exc) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.1)

    def _keep(self, part: Submitted) -> None:
        """Append the message once whole: at once for a single part, at the last part else."""
        concatenation = _concatenation(part)
        if concatenation is None:
            parts = [part]
        else:
            reference, count, _ = concatenation
            key = (part.destination, reference)
            self._pending.setdefault(key, []).append(part)
            if len(self._pending[key]) < count:
                return
            parts = self._pending.pop(key)
        line = {"at": datetime.now(UTC).isoformat(), "source": part.source,
                "to": part.destination, "text": join_parts(parts), "parts": len(parts)}
        with open(self.keep, "a", encoding="utf-8") as kept:
            kept.write(json.dumps(line, ensure_ascii=False) + "\n")

    async def _receipt(self, esme: smpp34.Esme, destination: str, source: str,
                       message_id: str) -> None:
        now = datetime.now(UTC).strftime("%y%m%d%H%M")
        text = (f"id:{message_id} sub:001 dlvrd:001 submit date:{now} done date:{now} "
                f"stat:{self.receipt_state} err:000 text:").encode("ascii")
        state = {"DELIVRD": 2, "EXPIRED": 3, "UNDELIV": 5, "REJECTD": 8}.get(
            self.receipt_state, 7)
        await esme.deliver_sm(
            source, text, source_addr=destination, esm_class=0x04,
            tlvs=[smpp34.Tlv(smpp34.TLV_RECEIPTED_MESSAGE_ID, message_id.encode() + b"\0"),
                  smpp34.Tlv(smpp34.TLV_MESSAGE_STATE, bytes([state]))])

    def messages_to(self, destination: str) -> list[Submitted]:
        return [s for s in self.submitted if s.destination == destination]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Submitted]:
        deadline = time.monotonic() + timeout
        while len(self.submitted) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.submitted

    @property
    def url(self) -> str:
        return f"smpp://bhxh:secret@{self.host}:{self.port}?source=BHXH&timeout=5"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_smsc(port: int | None = None, **kwargs: object) -> Iterator[Smsc]:
    smsc = Smsc(port=port or free_port(), **kwargs)  # type: ignore[arg-type]
    loop = asyncio.new_event_loop()
    smsc._loop = loop
    ready = threading.Event()
    task_box: list[asyncio.Task[None]] = []
    failure: list[Exception] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        task = loop.create_task(smsc._serve(ready))
        task_box.append(task)
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:  # stopped by the fixture
            pass
        except Exception as exc:  # kept for the error below
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="smsc", daemon=True)
    thread.start()
    if not ready.wait(10) or failure:
        raise RuntimeError(f"the SMSC did not start: {failure}")
    try:
        yield smsc
    finally:
        async def stop() -> None:
            # Like an SMSC shutting down: unbind every session, then stop listening.
            for esme in list(smsc._sessions.values()):
                with contextlib.suppress(Exception):  # a session the client already closed
                    await asyncio.wait_for(esme.unbind(), 2)
            for pending in smsc._tasks:
                pending.cancel()
            if smsc._server is not None:
                await smsc._server.stop()
            for task in task_box:
                task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        thread.join(10)
        loop.close()


@contextmanager
def refusing_smsc(status: int = 0x0E) -> Iterator[int]:
    """An SMPP peer that answers every bind with `status` (ESME_RINVPASWD by default)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = int(listener.getsockname()[1])
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                header = conn.recv(16)
                if len(header) < 16:
                    continue
                length, command_id, _, sequence = struct.unpack(">IIII", header)
                conn.recv(length - 16)
                body = b"SMSC\0"
                conn.sendall(struct.pack(">IIII", 16 + len(body), command_id | 0x80000000,
                                         status, sequence) + body)
                time.sleep(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="An SMSC on loopback that prints what it gets.")
    parser.add_argument("--port", type=int, default=2775)
    parser.add_argument("--no-receipts", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--keep", default="", help="append each whole message to this file")
    args = parser.parse_args()
    with running_smsc(args.port, receipt_state="" if args.no_receipts else "DELIVRD",
                      keep=args.keep) as smsc:
        print(f"SMSC listening on {smsc.host}:{smsc.port}", flush=True)
        seen = 0
        try:
            while True:
                time.sleep(0.2)
                while seen < len(smsc.submitted):
                    if not args.quiet:
                        part = smsc.submitted[seen]
                        print(part.destination, join_parts([part]), flush=True)
                    seen += 1
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
