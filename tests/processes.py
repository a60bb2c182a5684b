"""What tests that start the platform's own processes share: the command and a free port."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

OPENIVAN = str(Path(sys.executable).parent / "openivan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
