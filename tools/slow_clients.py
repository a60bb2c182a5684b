"""Whether a running web server still answers while clients hold connections half-sent or
silent, and how those connections end.

    .venv/bin/python tools/slow_clients.py [--url http://127.0.0.1:8000] [--clients 40]

Against `make demo` (or any `openivan manage serve`): opens `--clients` connections that each
send half a request head and stop, and one that sends nothing; then times a health call on a
new connection, and waits (up to 70 s) to see what the server does with the two kinds.
"""

from __future__ import annotations

import argparse
import socket
import time

import httpx


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=40)
    args = parser.parse_args()
    host, port = args.url.removeprefix("http://").split(":")
    address = (host, int(port))
    stalled = [socket.create_connection(address) for _ in range(args.clients)]
    for connection in stalled:
        connection.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # the head never ends
    stalled_at = time.monotonic()
    silent, silent_at = socket.create_connection(address), time.monotonic()
    time.sleep(1)
    started = time.monotonic()
    try:
        status = str(httpx.get(f"{args.url}/api/v1/health", timeout=10).status_code)
    except httpx.HTTPError as exc:
        status = f"no answer ({exc.__class__.__name__})"
    print(f"{args.clients} half-sent requests: a health call got {status} "
          f"in {time.monotonic() - started:.2f} s")
    for name, connection, since in (("a half-sent request", stalled[0], stalled_at),
                                    ("a silent connection", silent, silent_at)):
        print(f"{name}: {_ending(connection, since)}")
    for connection in [*stalled, silent]:
        connection.close()
    return 0


def _ending(connection: socket.socket, since: float, wait: float = 70.0) -> str:
    """How the server ended the connection, timed from `since` (its opening or last byte)."""
    connection.settimeout(max(0.1, since + wait - time.monotonic()))
    try:
        answer = connection.recv(100)
    except TimeoutError:
        return f"still open after {wait:.0f} s"
    said = answer.split(b"\r\n", 1)[0].decode() or "nothing"
    return f"closed after {time.monotonic() - since:.1f} s, saying {said}"


if __name__ == "__main__":
    raise SystemExit(main())
