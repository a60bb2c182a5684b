"""A real HTTP server on loopback that answers badly: for clients of servers we do not control
(a CA's OCSP responder and CRLs, a remote signing service)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = Callable[[BaseHTTPRequestHandler], None]


@contextlib.contextmanager
def misbehaving_server(answer: Answer) -> Iterator[str]:
    """A server whose every GET and POST is answered by `answer`; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with contextlib.suppress(OSError):  # the client gave up
                answer(self)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.do_GET()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def dribble(size: int = 1000, pause: float = 0.05) -> Answer:
    """A 200 of `size` bytes, one byte per `pause`: each byte comes before a read timeout, so
    only a deadline on the whole answer ends it."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        for _ in range(size):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(pause)

    return answer


def flood(declared: bool, sent: list[int], size: int = 64 * 2**20) -> Answer:
    """A 200 of `size` bytes, its length declared or not; `sent[0]` counts what went out."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        if declared:
            handler.send_header("Content-Length", str(size))
        handler.end_headers()
        for _ in range(size // 2**16):
            handler.wfile.write(b"x" * 2**16)
            sent[0] += 2**16

    return answer


def dribble_head(pause: float = 0.05) -> Answer:
    """A status line, then a header of 1 000 bytes, one byte per `pause` (before any body: the
    part of an answer a client reads before the body is its own to stream)."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(1000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(pause)

    return answer
