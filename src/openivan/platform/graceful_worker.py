"""gunicorn's threaded worker, without the requests it drops when it ends gracefully.

A web process ends gracefully at every `kill -HUP` (new processes replace the old), at a
deploy's SIGTERM, and after `max_requests`. gunicorn's gthread worker then (gunicorn 23.0;
issues #3038, #3380, #3394, open):
- still accepts connections in the loop turn that sees the signal, and
- leaves the loop with the connections it accepted but had not read yet, and those kept alive
  that a request has just reached, and closes them unanswered: the client sees the server
  disconnect, or a reset.
Measured with `tools/reload_drops.py --reloads 15` (6 clients, 15 reloads), three runs:
gunicorn's worker failed 5-8 calls on new connections and 16-22 on kept-alive ones; this
one none.

Here the worker accepts nothing once it is ending (the connection waits in the listening
queue for a process that goes on); before it stops it answers, for up to `DRAIN_SECONDS`,
the connections it holds that a request reaches, each with `Connection: close`, including
those whose last answer had said "keep alive" (gunicorn decides that before the app runs).

Nor does a slow or silent client hold a thread. gunicorn's worker gives a connection to a
thread as soon as a byte of a request arrives, and the thread then waits, with no time limit,
for the rest: a client that sent half a request head and stopped held a thread for as long as
it kept the connection open (40 such connections made the demo's server answer nobody), and a
connection that never sent anything stayed open for good. Here the loop itself receives each
request, and a thread takes only one that is here whole (conf/receiving.py); one not received
within OPENIVAN_REQUEST_RECEIVE_SECONDS of its first byte (or of the connection's opening) is
answered 408 and closed. A thread writing an answer gives up after `WRITE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import time
from concurrent import futures
from functools import partial
from typing import Any

from django.conf import settings
from gunicorn.workers.gthread import TConn, ThreadWorker

from openivan.platform.receiving import REQUEST_TIMEOUT, Incoming, Next

# Long enough for a client that has just connected to send its request; short beside the
# graceful timeout (30 s) the master allows a process to end.
DRAIN_SECONDS = 1.0
# A thread writing an answer to a client that does not read it gives up after this long.
WRITE_SECONDS = 10.0
# One read of a request by the loop: a dossier's envelope (a few kilobytes) in one.
READ_BYTES = 256 * 1024


class GracefulThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no hints
    _drained = False  # past it, a connection is closed, not held for a next request

    def init_process(self) -> None:
        # Connections whose request the loop is receiving -> when it must have come.
        self._receiving: dict[TConn, float] = {}
        self._receive_seconds = float(settings.OPENIVAN_REQUEST_RECEIVE_SECONDS)
        self._max_body = int(settings.OPENIVAN_MAX_BODY_BYTES)
        super().init_process()

    def accept(self, server: Any, listener: Any) -> None:
        if not self.alive:
            return  # left in the listening queue, for a process that goes on
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        conn = TConn(self.cfg, sock, client, server)
        self.nr_conns += 1
        with self._lock:
            self._start_receiving(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ,
                                 partial(self.on_client_socket_readable, conn))

    def _start_receiving(self, conn: TConn) -> None:
        conn.incoming, conn.last = Incoming(self._max_body), False
        self._receiving[conn] = time.monotonic() + self._receive_seconds

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        if self.cfg.is_ssl:  # gunicorn's TLS: the handshake is the thread's
            with self._lock:
                self._receiving.pop(conn, None)
            super().on_client_socket_readable(conn, client)
            return
        with self._lock:
            if conn not in self._receiving:  # kept alive: the first bytes of its next request
                try:
                    self._keep.remove(conn)
                except ValueError:
                    return  # closed meanwhile, as kept-alive connections are after 30 s
                self._start_receiving(conn)
        try:
            data = conn.sock.recv(READ_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        step, reply = conn.incoming.add(data) if data else (Next.REFUSE, b"")
        if step is Next.WAIT:
            _send_now(conn, reply)  # "100 Continue", to a client that waits for it
            return  # the rest later, before the deadline
        with self._lock:
            self.poller.unregister(conn.sock)
            del self._receiving[conn]
        if step is Next.REFUSE:  # asked what is refused, or the client closed
            _send_now(conn, reply)
            self.nr_conns -= 1
            conn.close()
            return
        conn.last = step is Next.LAST
        self.enqueue_req(conn)

    def enqueue_req(self, conn: TConn) -> None:
        conn.init()  # the socket blocks from here on: for the thread's writes
        conn.sock.settimeout(WRITE_SECONDS)
        if conn.incoming.data:  # empty over TLS: the thread reads it
            conn.parser.unreader.unread(bytes(conn.incoming.data))
            conn.incoming.data.clear()  # the parser has its copy; the next request starts anew
        fs = self.tpool.submit(self.handle, conn)
        self._wrap_future(fs, conn)

    def handle_request(self, req: Any, conn: TConn) -> tuple[bool, TConn]:
        if conn.last:  # its body stays unread, so the connection closes: the answer says so
            req.force_close()
        return super().handle_request(req, conn)  # type: ignore[no-any-return]

    def handle(self, conn: TConn) -> tuple[bool, TConn]:
        keepalive, conn = super().handle(conn)
        # A body left unread would be read, to reach the next request, by a thread.
        return keepalive and not conn.last, conn

    def murder_keepalived(self) -> None:
        super().murder_keepalived()
        now = time.monotonic()
        with self._lock:
            late = [conn for conn, deadline in self._receiving.items() if deadline <= now]
            for conn in late:
                del self._receiving[conn]
                self.poller.unregister(conn.sock)
        for conn in late:
            if conn.incoming.data:  # a request begun and not finished: say why it ends
                _send_now(conn, REQUEST_TIMEOUT)
            self.nr_conns -= 1
            conn.close()

    def run(self) -> None:
        # ThreadWorker.run of gunicorn 23.0.0, with `_drain` between the loop and the end.
        for sock in self.sockets:
            sock.setblocking(False)
            server = sock.getsockname()
            self.poller.register(sock, selectors.EVENT_READ, partial(self.accept, server))
        while self.alive:
            self.notify()
            if self.nr_conns < self.worker_connections:
                for key, _ in self.poller.select(1.0):
                    key.data(key.fileobj)
                result = futures.wait(self.futures, timeout=0,
                                      return_when=futures.FIRST_COMPLETED)
            else:
                result = futures.wait(self.futures, timeout=1.0,
                                      return_when=futures.FIRST_COMPLETED)
            for fut in result.done:
                self.futures.remove(fut)
            if not self.is_parent_alive():
                break
            self.murder_keepalived()
        self._drain()
        self.tpool.shutdown(False)
        self.poller.close()
        for sock in self.sockets:
            sock.close()
        futures.wait(self.futures, timeout=self.cfg.graceful_timeout)

    def finish_request(self, fs: Any) -> None:
        # A request that began before the worker started ending was answered as kept alive
        # (gunicorn decides before the app runs): its client may send the next one at once.
        # Closing the connection now would reset that request; the drain answers it instead.
        if self.alive or fs.cancelled() or fs.exception() is not None or not fs.result()[0]:
            super().finish_request(fs)
            return
        conn = fs.result()[1]
        with self._lock:
            if self._drained:
                self.nr_conns -= 1
                conn.close()
                return
            conn.sock.setblocking(False)
            conn.set_timeout()
            self._keep.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ,
                                 partial(self.on_client_socket_readable, conn))

    def _drain(self) -> None:
        """Answer what reaches the connections still held, for up to DRAIN_SECONDS: those
        accepted but not read yet, and those kept alive (answered with Connection: close,
        as every answer is once the worker is ending). Any still silent are then closed."""
        for sock in self.sockets:
            self.poller.unregister(sock)
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            with self._lock:
                held = bool(self.poller.get_map())
            if not held and all(fut.done() for fut in self.futures):
                break
            self.notify()
            for key, _ in self.poller.select(0.05):
                key.data(key.fileobj)  # a request arrived: to the thread pool
        with self._lock:
            self._drained = True


def _send_now(conn: TConn, reply: bytes) -> None:
    """A short answer from the loop, on a socket that does not block: what fits is sent."""
    if reply:
        with contextlib.suppress(OSError):
            conn.sock.send(reply)
