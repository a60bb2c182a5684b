"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted, and can be told to
refuse or to stall, as real servers do."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import re
import socket
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

from tests.waiting import wait_until


@dataclass
class MailServer:
    messages: list[EmailMessage] = field(default_factory=list)
    refuse_next: int = 0  # answer the next N messages with a temporary failure (451)
    stall_seconds: float = 0.0  # wait this long before answering RCPT (a slow server) …
    stall_on: str = ""  # … for recipients starting with this (all when empty)
    rcpt_seen: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        self.rcpt_seen.append(address)
        if self.stall_seconds and address.startswith(self.stall_on):
            deadline = time.monotonic() + self.stall_seconds
            while time.monotonic() < deadline and not server.transport.is_closing():
                await asyncio.sleep(0.05)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_next:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted"

    def rcpt_seen_for(self, prefix: str) -> bool:
        return any(a.startswith(prefix) for a in self.rcpt_seen)

    def to(self, recipient: str) -> list[EmailMessage]:
        return [m for m in self.messages if recipient in str(m["To"])]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """The messages received once there are `count` (all there are after `timeout`: the
        caller's assertion names what is missing)."""
        with contextlib.suppress(AssertionError):
            wait_until(lambda: len(self.messages) >= count, timeout, interval=0.05)
        return self.messages


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def activation_link(message: EmailMessage) -> str:
    match = re.search(r"(https?://\S+/kich-hoat/[0-9A-F]{64})", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def path_of(link: str) -> str:
    """The link's path, for Django's test client (which has no host)."""
    return urlsplit(link).path


def confirmation_code(message: EmailMessage) -> str:
    match = re.search(r"Mã xác nhận:\s+(\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def start(server: MailServer) -> Controller:
    with socket.socket() as probe:  # aiosmtpd checks its own port, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        server.port = probe.getsockname()[1]
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    return controller
