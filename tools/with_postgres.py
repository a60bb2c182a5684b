"""Run a command against a throwaway PostgreSQL server started from the installed binaries.

    python tools/with_postgres.py -- pytest -m db

Starts `initdb` + `postgres` in a temporary folder on a free loopback port (as the `postgres`
user when run as root: the server refuses to run as root), exports DATABASE_URL, runs the
command, stops the server and removes the folder, whatever the command's outcome.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile


def _bin_dir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]))
    if not found:
        sys.exit("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin")
    return os.path.dirname(found[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    bin_dir, port = _bin_dir(), free_port()
    base = tempfile.mkdtemp(prefix="openivan-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(base, "data")

    def run(*cmd: str) -> None:
        subprocess.run([*as_user, *cmd], check=True, stdout=subprocess.DEVNULL)

    try:
        run(f"{bin_dir}/initdb", "-D", data, "-U", "openivan", "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8")
        options = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        run(f"{bin_dir}/pg_ctl", "-D", data, "-o", options, "-l", f"{base}/server.log",
            "-w", "start")
        run(f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "openivan",
            "openivan")
        env = dict(os.environ, DATABASE_URL=f"postgres://openivan@127.0.0.1:{port}/openivan")
        print(f"PostgreSQL ({bin_dir}) on 127.0.0.1:{port}", flush=True)
        return subprocess.call(argv, env=env)
    finally:
        subprocess.call([*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
