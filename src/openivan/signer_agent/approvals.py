"""Which web origins may call the agent: the user's approvals (a JSON file) and the admin's list.

The file is read again at every check, so `openivan-signer approvals revoke ORIGIN` takes effect
on a running agent at once. Origins are compared exactly, as browsers send them.
"""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

from openivan.signer_agent.errors import AgentError

# scheme://host[:port], nothing after: what a browser puts in the Origin header.
_ORIGIN_RE = re.compile(r"^https?://[a-z0-9.\-\[\]:]+$")


def check_origin(origin: str | None) -> str:
    """The Origin header if it is one a page could send; refuses none, `null` and junk."""
    if not origin:
        raise AgentError("ORIGIN_MISSING")
    if origin == "null" or not _ORIGIN_RE.match(origin) or len(origin) > 253:
        raise AgentError("ORIGIN_INVALID", origin=origin[:100])
    return origin


class ApprovalStore:
    def __init__(self, path: Path, preapproved: list[str]) -> None:
        self.path = path
        self.preapproved = frozenset(preapproved)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a damaged file approves nobody
        origins = data.get("origins", {}) if isinstance(data, dict) else {}
        return origins if isinstance(origins, dict) else {}

    def _write(self, origins: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"origins": origins}, ensure_ascii=False, indent=2),
                             encoding="utf-8")
        os.replace(temporary, self.path)  # never a half-written file

    def is_approved(self, origin: str) -> bool:
        return origin in self.preapproved or origin in self._read()

    def approve(self, origin: str) -> None:
        with self._lock:
            origins = self._read()
            origins[origin] = {"approved_at": datetime.now(UTC).isoformat(timespec="seconds")}
            self._write(origins)

    def withdraw(self, origin: str) -> bool:
        with self._lock:
            origins = self._read()
            if origins.pop(origin, None) is None:
                return False
            self._write(origins)
            return True

    def listing(self) -> dict[str, str]:
        """origin -> how it was approved."""
        found = {o: "cấu hình (quản trị)" for o in self.preapproved}
        for origin, info in self._read().items():
            found.setdefault(origin, f"người dùng, {info.get('approved_at', '')}")
        return found
