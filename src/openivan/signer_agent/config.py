"""The agent's configuration: a small TOML file an administrator may write, and its defaults.

```toml
ports = [47251, 47252, 47253]                 # the first free one is used
modules = ["/usr/lib/softhsm/libsofthsm2.so"] # loaded before the catalogue's
preapproved_origins = ["https://ivan.example.vn"]
session_minutes = 5                           # the token is logged out after this
state_dir = "~/.local/state/openivan-signer"  # approvals.json lives here
window_timeout_seconds = 300
```
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from openivan.core.xml.safe import DEFAULT_MAX_BYTES

# The documented ports (docs/signer-agent.md); pages try them in this order.
DEFAULT_PORTS = (47251, 47252, 47253)


def _default_dir(kind: str) -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "OpenIVAN" / "Signer"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "OpenIVAN Signer"
    base = os.environ.get(f"XDG_{kind.upper()}_HOME") or Path.home() / (
        ".config" if kind == "config" else ".local/state")
    return Path(base) / "openivan-signer"


def default_config_path() -> Path:
    return _default_dir("config") / "config.toml"


@dataclass
class Config:
    ports: tuple[int, ...] = DEFAULT_PORTS
    modules: list[str] = field(default_factory=list)
    preapproved_origins: list[str] = field(default_factory=list)
    session_minutes: float = 5.0
    state_dir: Path = field(default_factory=lambda: _default_dir("state"))
    window_timeout_seconds: float = 300.0
    max_document_bytes: int = DEFAULT_MAX_BYTES  # the intake's limit
    max_batch: int = 500
    # Search the catalogue's usual places; tests turn it off to see only SoftHSM2.
    search_catalogue: bool = True

    @property
    def max_request_bytes(self) -> int:
        # base64 adds a third; a batch is bounded as a whole, not only per document.
        return 64 * 1024 * 1024

    @classmethod
    def load(cls, path: Path | None) -> Config:
        config = cls()
        if path is None:
            path = default_config_path()
            if not path.exists():
                return config
        with open(path, "rb") as stream:
            data = tomllib.load(stream)
        if "ports" in data:
            config.ports = tuple(int(p) for p in data["ports"])
        config.modules = [str(m) for m in data.get("modules", [])]
        config.preapproved_origins = [str(o) for o in data.get("preapproved_origins", [])]
        config.session_minutes = float(data.get("session_minutes", config.session_minutes))
        if "state_dir" in data:
            config.state_dir = Path(str(data["state_dir"])).expanduser()
        config.window_timeout_seconds = float(
            data.get("window_timeout_seconds", config.window_timeout_seconds))
        config.max_batch = int(data.get("max_batch", config.max_batch))
        config.search_catalogue = bool(data.get("search_catalogue", True))
        return config
