"""One HTTP exchange with a server we do not control (a CA, a remote signing service), bounded
in time and in size.

httpx's timeout bounds each read, not the answer: a server sending a byte now and then holds
the caller as long as it likes (a 1 000-byte answer at a byte per 50 ms took 50 s under a
0.5 s timeout). And a whole answer is read into memory, however large. Here the body is
streamed, and reading stops at the deadline or past the size, whichever comes first.

Left open: a server that dribbles its status line and headers. httpx reads them before the
body is ours to stream, each read under its own timeout (h11 stops at 16 KiB of headers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx


class OutOfBounds(Exception):
    """The answer did not come whole within the deadline, or is larger than allowed."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def exchange(client: httpx.Client, request: httpx.Request, *, timeout: float,
             max_bytes: int) -> Answer:
    """Send `request`; the status and the whole body. Raises OutOfBounds, or httpx.HTTPError
    when the server cannot be reached."""
    deadline = time.monotonic() + timeout
    response = client.send(request, stream=True)
    try:
        return Answer(response.status_code, _body(response, deadline, timeout, max_bytes))
    finally:
        response.close()


def _body(response: httpx.Response, deadline: float, timeout: float, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise OutOfBounds(f"answer larger than {max_bytes} bytes")
    chunks, size = [], 0
    for chunk in response.iter_bytes():  # decompressed: the limit is on what is kept
        size += len(chunk)
        if size > max_bytes:
            raise OutOfBounds(f"answer larger than {max_bytes} bytes")
        if time.monotonic() > deadline:
            raise OutOfBounds(f"no whole answer within {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)
