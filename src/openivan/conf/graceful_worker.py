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
"""

from __future__ import annotations

import selectors
import time
from concurrent import futures
from functools import partial
from typing import Any

from gunicorn.workers.gthread import ThreadWorker

# Long enough for a client that has just connected to send its request; short beside the
# graceful timeout (30 s) the master allows a process to end.
DRAIN_SECONDS = 1.0


class GracefulThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no hints
    _drained = False  # past it, a connection is closed, not held for a next request

    def accept(self, server: Any, listener: Any) -> None:
        if self.alive:
            super().accept(server, listener)
        # else: left in the listening queue, for a process that goes on

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
