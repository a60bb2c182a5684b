"""The static files a server sends (the admin's, the API documentation's, the apps' own),
collected before it listens — and only what changed.

`collectstatic` with whitenoise's compressed storage compressed every file at every run (gzip
and brotli: 16 MB of the API documentation's scripts, 17 s and 26 s of CPU on this machine),
so every start of a server, every restart and every start of the demo paid it for nothing.
Now:
- a fingerprint of what would be collected (each source's path, size and modification time,
  and the storage) is kept in the folder; a start that finds it, and every collected file in
  place, collects nothing;
- otherwise a collected copy whose content differs from its source is removed first (a
  release rolled back, or unpacked with the files' old times, which collectstatic alone would
  take for current), then collectstatic copies what is missing, and `CompressedOnceStorage`
  compresses only the files it copied — the others' compressed copies are not rewritten under
  a server sending them;
- two servers of one host starting at once collect one after the other (a lock in the
  folder). Servers sharing the folder must run the same release: a collection replaces the
  files that changed.
"""

from __future__ import annotations

import fcntl
import filecmp
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from whitenoise.storage import CompressedStaticFilesStorage

STAMP = ".openivan-collected"
LOCK = ".openivan-collecting.lock"
# collectstatic's own default: what it does not collect does not count.
IGNORED = ["CVS", ".*", "*~"]
COMPRESSED = (".gz", ".br")


class CompressedOnceStorage(CompressedStaticFilesStorage):
    """whitenoise's compressed storage, compressing only the files this collection wrote: the
    compressed copies of the others are current and may be being sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.written: set[str] = set()

    def _save(self, name: str, content: Any) -> str:
        saved = super()._save(name, content)
        self.written.add(saved)
        return str(saved)

    def post_process(self, paths: dict[str, Any], dry_run: bool = False,
                     **options: Any) -> Any:
        fresh = {path: found for path, found in paths.items() if path in self.written}
        return super().post_process(fresh, dry_run, **options)


def sources() -> Iterator[tuple[str, Path]]:
    """(name in the collected folder, source file) of every file collectstatic would collect,
    the first found for a name, as collectstatic takes it."""
    seen: set[str] = set()
    for finder in get_finders():
        for path, storage in finder.list(IGNORED):
            prefix = getattr(storage, "prefix", None) or ""
            name = f"{prefix}/{path}" if prefix else path
            if name not in seen:
                seen.add(name)
                yield name, Path(storage.path(path))


def fingerprint(found: list[tuple[str, Path]]) -> str:
    """What collectstatic would collect, as a digest: every source's name, size and
    modification time, the storage and the URL they are collected for."""
    digest = hashlib.sha256(json.dumps(
        [settings.STATIC_URL, settings.STORAGES.get("staticfiles")], sort_keys=True,
        default=str).encode())
    for name, source in sorted(found):
        stat = os.stat(source)
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def collect() -> bool:
    """Collect the static files unless they are collected already as they are now. Whether it
    collected."""
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    stamp = root / STAMP
    with (root / LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        found = list(sources())
        wanted = fingerprint(found)
        done = stamp.read_text().split() if stamp.exists() else []
        if wanted in done and all((root / name).is_file() for name, _ in found):
            return False
        for name, source in found:
            copy = root / name
            if copy.is_file() and not filecmp.cmp(source, copy, shallow=False):
                for stale in (copy, *(copy.with_name(copy.name + s) for s in COMPRESSED)):
                    stale.unlink(missing_ok=True)
        call_command("collectstatic", interactive=False, verbosity=0)
        written = root / f"{STAMP}.tmp"
        written.write_text("\n".join([*done[-20:], wanted]) + "\n")
        written.replace(stamp)
    return True
