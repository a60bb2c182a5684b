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


def examine(data: bytes, max_body: int, continued: bool) -> tuple[Next, bytes]:
    """What to do with `data`, the bytes of a request received so far, and what to send now.
    `continued`: "100 Continue" was sent for this request already."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return (Next.REFUSE, HEAD_TOO_LARGE) if len(data) > HEAD_LIMIT else (Next.WAIT, b"")
    head = data[:end].lower()
    if b"\r\ntransfer-encoding:" in head:
        # A body without a declared length: Django would read none of it.
        return Next.REFUSE, LENGTH_REQUIRED
    declared = _CONTENT_LENGTH.search(head)
    length = int(declared.group(1)) if declared else 0
    if length > max_body:
        return Next.LAST, b""
    if len(data) - (end + 4) >= length:
        return Next.THREAD, b""
    # A client that waits for it before it sends its body (curl does, for large ones).
    waits = b"\r\nexpect: 100-continue" in head and not continued
    return Next.WAIT, CONTINUE if waits else b""
