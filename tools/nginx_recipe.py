"""The production recipe of deploy/ run on this machine: Debian's nginx with the shipped
configuration in front of two app-server instances (`openivan manage serve`: gunicorn's own
threaded worker, through its public options only),
for the tests (tests/deploy) and the tools (reload_drops.py, slow_clients.py).

    .venv/bin/python tools/nginx_recipe.py [--port 8080]   # runs it until Ctrl-C
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from with_postgres import free_port  # this folder: the script's own

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy" / "nginx"
BIN = Path(sys.executable).parent
NGINX = "/usr/sbin/nginx"
SHIPPED_PORTS = ("127.0.0.1:8101", "127.0.0.1:8102")  # in openivan-upstream.conf


@dataclass
class Recipe:
    url: str  # nginx's
    nginx: subprocess.Popen[bytes]
    instances: list[subprocess.Popen[bytes]]
    folder: Path

    def reload(self, instance: int) -> None:
        """What `systemctl reload openivan-web@N` does: gunicorn's graceful reload."""
        self.instances[instance].send_signal(signal.SIGHUP)

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace") if path.exists() else ""


def environment(home: Path) -> dict[str, str]:
    """A platform on a SQLite database of its own in `home`, migrated."""
    env = dict(os.environ, DEBUG="1", OPENIVAN_HOME=str(home), ALLOWED_HOSTS="127.0.0.1",
               DJANGO_SETTINGS_MODULE="openivan.conf.settings", OPENIVAN_TRUSTED_PROXIES="1",
               LOG_LEVEL="INFO")  # the app servers' logs say when they reloaded
    env.pop("DATABASE_URL", None)
    subprocess.run([str(BIN / "openivan"), "manage", "migrate", "-v", "0"], env=env,
                   check=True)
    return env


def nginx_conf(folder: Path, port: int, upstream_ports: list[int]) -> Path:
    """nginx.conf around the shipped files: only the app servers' ports are this run's."""
    upstream = (DEPLOY / "openivan-upstream.conf").read_text()
    for shipped, mine in zip(SHIPPED_PORTS, upstream_ports, strict=True):
        upstream = upstream.replace(shipped, f"127.0.0.1:{mine}")
    (folder / "upstream.conf").write_text(upstream)
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(f"""{"user root;" if os.geteuid() == 0 else ""}
daemon off;
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    include {folder / "upstream.conf"};
    server {{
        listen 127.0.0.1:{port};
        include {DEPLOY / "openivan-proxy.conf"};
    }}
}}
""")
    return conf


def _healthy(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within 60 s")


@contextlib.contextmanager
def running(env: dict[str, str], folder: Path, port: int | None = None,
            workers: int = 2) -> Iterator[Recipe]:
    """nginx on `port` (a free one by default) before two app-server instances."""
    ports = [free_port(), free_port()]
    port = port or free_port()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for n, app_port in enumerate(ports, start=1):
            log = (folder / f"web{n}.log").open("wb")
            processes.append(subprocess.Popen(
                [str(BIN / "openivan"), "manage", "serve", "--bind",
                 f"127.0.0.1:{app_port}", "--workers", str(workers)],
                env=env, stdout=log, stderr=subprocess.STDOUT))
        for n, (app_port, process) in enumerate(zip(ports, processes, strict=True), start=1):
            _healthy(f"http://127.0.0.1:{app_port}", process, f"app server {n}")
        nginx = subprocess.Popen([NGINX, "-c", str(nginx_conf(folder, port, ports)),
                                  "-p", str(folder), "-e", str(folder / "nginx-error.log")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(nginx)
        url = f"http://127.0.0.1:{port}"
        _healthy(url, nginx, "nginx")
        yield Recipe(url, nginx, processes[:2], folder)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(40)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, running(
            environment(Path(home)), Path(home), args.port) as recipe:
        print(f"nginx on {recipe.url}, in front of two app servers; Ctrl-C stops it",
              flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            recipe.nginx.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
