"""Requests that fail while the web server reloads gracefully (`kill -HUP`): gunicorn's own
threaded worker alone, and the production recipe of deploy/ (nginx before two instances of
it, reloaded in turn, as deploy/reload.sh does), in the same run.

    .venv/bin/python tools/reload_drops.py [--reloads 15] [--clients 6]

Each: 2 processes × 8 threads per instance (as `openivan manage serve` runs them) on a
throwaway SQLite, `--clients` threads calling GET /api/v1/health — half on a new connection
each time, half on a connection kept alive —, and a reload every 2 s. Prints the calls made
and those that failed (no answer, a reset), for each kind of connection.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import nginx_recipe  # this folder: the scripts' own
from with_postgres import free_port

BIN = Path(sys.executable).parent
WORKERS = {"gunicorn alone": "gthread"}


def _serve(env: dict[str, str], worker_class: str, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "openivan.conf.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--threads", "8", "--keep-alive", "30",
         "--worker-class", worker_class, "--graceful-timeout", "30", "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health").status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def _load(url: str, reload: Callable[[int], None], clients: int,
          reloads: int) -> Counter[str]:
    """`clients` threads calling `url` while `reload(n)` is called every 2 s, `reloads` times."""
    stop, counts, lock = threading.Event(), Counter[str](), threading.Lock()

    def client(kept_alive: bool) -> None:
        kind = "kept alive" if kept_alive else "new connection"
        shared = httpx.Client(timeout=10) if kept_alive else None
        while not stop.is_set():
            try:
                response = shared.get(url) if shared else httpx.get(url, timeout=10)
                failure = "" if response.status_code == 200 else f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                failure = type(exc).__name__
            with lock:
                counts[kind] += 1
                if failure:
                    counts[f"{kind} failed"] += 1
                    counts[f"{kind}: {failure}"] += 1

    threads = [threading.Thread(target=client, args=(n % 2 == 1,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for n in range(reloads):
        time.sleep(2)
        reload(n)
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reloads", type=int, default=15)
    parser.add_argument("--clients", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, DEBUG="1", OPENIVAN_HOME=home, ALLOWED_HOSTS="127.0.0.1",
                   DJANGO_SETTINGS_MODULE="openivan.conf.settings")
        subprocess.run([str(BIN / "openivan"), "manage", "migrate", "-v", "0"], env=env,
                       check=True)
        for name, worker_class in WORKERS.items():
            port = free_port()
            server = _serve(env, worker_class, port)
            try:
                counts = _load(f"http://127.0.0.1:{port}/api/v1/health",
                               lambda _, server=server: os.kill(server.pid, signal.SIGHUP),
                               args.clients, args.reloads)
            finally:
                server.terminate()
                server.wait(60)
            _report(name, args.reloads, counts)
        with nginx_recipe.running(env, Path(home)) as recipe:
            counts = _load(f"{recipe.url}/api/v1/health", lambda n: recipe.reload(n % 2),
                           args.clients, args.reloads)
        _report("nginx + 2 gthread", args.reloads, counts)
    return 0


def _report(name: str, reloads: int, counts: Counter[str]) -> None:
    print(f"{name:17} during {reloads} reloads: "
          f"new connections {counts['new connection failed']} failed of "
          f"{counts['new connection']}, kept alive {counts['kept alive failed']} "
          f"failed of {counts['kept alive']}")
    failures = {k: n for k, n in counts.items() if ": " in k}
    if failures:
        print(f"{'':17} {failures}")


if __name__ == "__main__":
    raise SystemExit(main())
