"""What a web process's loop does with the bytes of a request it is receiving, before a thread
takes it (conf/graceful_worker.py): wait for more, give it to a thread, or answer it itself.

A thread only takes a request that is here whole, so no client, however slow, holds one while
it sends. The exceptions are answered without reading the body: a body larger than the intake
takes (the app answers 413 from its declared length; the connection then closes, rather than a
thread reading the rest to reach a next request).
"""

from __future__ import annotations

import re
from enum import Enum

# gunicorn's own limits allow a longer head (100 fields of 8 190 bytes); no client of the
# platform sends one near this.
HEAD_LIMIT = 64 * 1024
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)[ \t]*(?:\r\n|$)")


class Next(Enum):
    WAIT = "wait"  # for more bytes
    THREAD = "thread"  # the request is here whole
    LAST = "thread, then close"  # its body is not read: it cannot reach a next request
    REFUSE = "answer and close"  # answered here


def _answer(status: str) -> bytes:
    return (f"HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").encode()


REQUEST_TIMEOUT = _answer("408 Request Timeout")
LENGTH_REQUIRED = _answer("411 Length Required")
HEAD_TOO_LARGE = _answer("431 Request Header Fields Too Large")


class Incoming:
    """A request the loop is receiving. Each piece costs in proportion to its own size, however
    many pieces a client cuts the request into: the head is searched from where the last
    search stopped, and read once."""

    def __init__(self, max_body: int) -> None:
        self.data = bytearray()
        self._max_body = max_body
        self._searched = 0  # bytes known to hold no end of head
        self._whole: int | None = None  # the request's length, once its head is read
        self._waits_for_continue = False

    def add(self, piece: bytes) -> tuple[Next, bytes]:
        """Take the next piece; what to do now, and what to send the client now."""
        self.data += piece
        if self._whole is None:
            end = self.data.find(b"\r\n\r\n", max(0, self._searched - 3))
            if end < 0:
                self._searched = len(self.data)
                return ((Next.REFUSE, HEAD_TOO_LARGE) if len(self.data) > HEAD_LIMIT
                        else (Next.WAIT, b""))
            decided = self._read_head(bytes(self.data[:end]).lower(), end)
            if decided is not None:  # refused, or to be answered without its body
                return decided
        assert self._whole is not None
        if len(self.data) >= self._whole:
            return Next.THREAD, b""
        if self._waits_for_continue:  # it waits for this before it sends its body
            self._waits_for_continue = False
            return Next.WAIT, CONTINUE
        return Next.WAIT, b""

    def _read_head(self, head: bytes, end: int) -> tuple[Next, bytes] | None:
        if b"\r\ntransfer-encoding:" in head:
            # A body without a declared length: Django would read none of it.
            return Next.REFUSE, LENGTH_REQUIRED
        declared = _CONTENT_LENGTH.search(head)
        length = int(declared.group(1)) if declared else 0
        if length > self._max_body:
            return Next.LAST, b""
        self._whole = end + 4 + length
        self._waits_for_continue = b"\r\nexpect: 100-continue" in head
        return None
