"""The static files a server sends (the admin's, the API documentation's, the apps' own),
collected before it listens — and only when they changed.

`collectstatic` with whitenoise's compressed storage rewrites and compresses every file each
time (gzip and brotli: 16 MB of the API documentation's scripts, 17 s and 26 s of CPU on this
machine), so every start of a server, every restart and every start of the demo paid it for
nothing. A fingerprint of what would be collected (each source file's path, size and
modification time, and the storage that collects them) is kept beside the collected files; a
start that finds the same fingerprint collects nothing. Two servers starting at once on one
host collect one after the other (a lock beside the folder), never into each other's half-written
files; servers with other roles (other files) may share the folder."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

STAMP = ".openivan-collected"
# collectstatic's own default: what it does not collect does not count.
IGNORED = ["CVS", ".*", "*~"]


def fingerprint() -> str:
    """What collectstatic would collect, as a digest: every source file's name, size and
    modification time, the storage and the URL they are collected for."""
    digest = hashlib.sha256(json.dumps(
        [settings.STATIC_URL, settings.STORAGES.get("staticfiles")], sort_keys=True,
        default=str).encode())
    rows = []
    for finder in get_finders():
        for path, storage in finder.list(IGNORED):
            prefix = getattr(storage, "prefix", None) or ""
            found = os.stat(storage.path(path))
            rows.append(f"{prefix}/{path}\0{found.st_size}\0{found.st_mtime_ns}")
    for row in sorted(rows):
        digest.update(row.encode() + b"\n")
    return digest.hexdigest()


def collect() -> bool:
    """Collect the static files unless they are collected already as they are now. Whether it
    collected.

    Never anew (no --clear): a server that shares the folder (another instance, or one with
    other roles, hence other files) may be sending from it. So the stamp holds every
    fingerprint collected into the folder: files are only added or replaced, and each of
    those collections is still whole. One trade-off: collectstatic skips a source changed
    within the same second as its last copy (its times are in whole seconds)."""
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / STAMP
    with (root.parent / f"{root.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        wanted = fingerprint()
        done = stamp.read_text().split() if stamp.exists() else []
        if wanted in done:
            return False
        call_command("collectstatic", interactive=False, verbosity=0)
        written = root / f"{STAMP}.tmp"
        written.write_text("\n".join([*done[-20:], wanted]) + "\n")
        written.replace(stamp)
    return True
