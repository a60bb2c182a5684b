"""The garbage collector's full passes in the web processes during the intake benchmark.

    .venv/bin/python tools/gc_pauses.py [--seconds 8] [--runs 1]

A full (generation 2) collection stops every request in flight in its process, so its pauses
are what the latency's p99 pays. This runs `benchmarks/bench_intake.py` with a hook in every
Python process it starts (a `sitecustomize` module on PYTHONPATH) that records each full
collection of gunicorn's web processes, and prints them: with the server as it is (the objects
loaded before the fork frozen, `openivan.platform.webserver`), then with `gc.freeze` made a no-op,
`--runs` times each, alternating.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOOK = '''
import gc, os, time

if os.environ.get("GC_PAUSES_NO_FREEZE"):
    gc.freeze = lambda: None

def _command(pid):
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read()
    except OSError:
        return b""

_started = [0.0]

def _clock(phase, info):
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    if info["generation"] != 2:
        return
    if b"serve" not in _command(os.getpid()) or b"serve" not in _command(os.getppid()):
        return  # only gunicorn's web processes (forked from the serving master)
    with open(os.environ["GC_PAUSES_LOG"], "a") as log:
        log.write(f"{(time.perf_counter() - _started[0]) * 1000:.1f}\\n")

gc.callbacks.append(_clock)
'''


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", default="8")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    hook = Path(tempfile.mkdtemp())
    (hook / "sitecustomize.py").write_text(HOOK)
    for _ in range(args.runs):
        for label, frozen in (("frozen before the fork", True), ("not frozen", False)):
            pauses, lines = _run(hook, args.seconds, frozen)
            print(f"{label}: {len(pauses)} full collections in the web processes, longest "
                  f"{max(pauses, default=0.0):.1f} ms, in all {sum(pauses):.1f} ms")
            for line in lines:
                print(f"    {line}")
    return 0


def _run(hook: Path, seconds: str, frozen: bool) -> tuple[list[float], list[str]]:
    log = hook / "pauses.log"
    log.unlink(missing_ok=True)
    env = {**os.environ, "GC_PAUSES_LOG": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(hook),
                                                      os.environ.get("PYTHONPATH")]))}
    if not frozen:
        env["GC_PAUSES_NO_FREEZE"] = "1"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks/bench_intake.py"),
                           "--seconds", seconds], env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines()
             if line.startswith(("intake throughput", "latency"))]
    pauses = [float(x) for x in log.read_text().split()] if log.exists() else []
    return pauses, lines


if __name__ == "__main__":
    raise SystemExit(main())
