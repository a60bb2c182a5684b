"""One HTTP exchange with a server we do not control (a CA, a remote signing service), bounded
in time and in size.

httpx's timeout bounds each read, not the exchange: a server sending a byte now and then holds
the caller as long as it likes (a 1 000-byte answer at a byte per 50 ms took 50 s under a
0.5 s timeout), whether it dribbles the body or the status line and headers. And a whole
answer is read into memory, however large. Here every read and write on the connection waits
at most until the exchange's deadline, and the body is read in pieces until the size limit.

Not bounded by the deadline: the name lookup (the system resolver's own timeouts), the TLS
handshake's reads after its first (each gets what was left), and a proxy taken from the
environment (its connections are httpx's own; the body's size and time are still bounded).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from ssl import SSLContext
from typing import Any

import httpcore
import httpx


class OutOfBounds(Exception):
    """The answer did not come whole within the deadline, or is larger than allowed."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def client(timeout: float) -> httpx.Client:
    """A client whose connections keep `exchange`'s deadline."""
    return httpx.Client(timeout=timeout, follow_redirects=False, transport=_transport())


def _transport() -> httpx.HTTPTransport:
    made = httpx.HTTPTransport()
    # httpx takes no network backend; its pool does (httpx 0.28, httpcore 1.0: pinned, and
    # tests/core/test_pki.py's dribbled headers fail if this stops taking effect).
    made._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), max_connections=100,
        max_keepalive_connections=20, keepalive_expiry=5.0, network_backend=_DeadlineBackend())
    return made


def exchange(client: httpx.Client, request: httpx.Request, *, timeout: float,
             max_bytes: int) -> Answer:
    """Send `request`; the status and the whole body. Raises OutOfBounds, or httpx.HTTPError
    when the server cannot be reached."""
    deadline = time.monotonic() + timeout
    _deadline.at = deadline
    try:
        response = client.send(request, stream=True)
        try:
            return Answer(response.status_code, _body(response, max_bytes))
        finally:
            response.close()
    except httpx.TimeoutException as exc:
        if time.monotonic() >= deadline:
            raise OutOfBounds(f"no whole answer within {timeout:g} s") from exc
        raise
    finally:
        _deadline.at = None


def _body(response: httpx.Response, max_bytes: int) -> bytes:
    # The deadline is the connection's (each read waits only until it): here, the size.
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise OutOfBounds(f"answer larger than {max_bytes} bytes")
    chunks, size = [], 0
    for chunk in response.iter_bytes():  # decompressed: the limit is on what is kept
        size += len(chunk)
        if size > max_bytes:
            raise OutOfBounds(f"answer larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# The deadline of the exchange this thread is in (None: none).
_deadline = threading.local()


def _within(timeout: float | None, late: type[Exception]) -> float | None:
    """The wait allowed now: the connection's own timeout, cut to the exchange's deadline."""
    deadline: float | None = getattr(_deadline, "at", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise late("past the exchange's deadline")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(
            ssl_context, server_hostname, _within(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_tcp(
            host, port, _within(timeout, httpcore.ConnectTimeout), local_address,
            socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(
            path, _within(timeout, httpcore.ConnectTimeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)
