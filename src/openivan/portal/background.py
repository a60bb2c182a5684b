"""What the portal hands the platform's worker: its queues and sweeps."""

from __future__ import annotations


def register() -> None:
    """Filled as the portal's jobs come (processing, answers, the 10-day sweeps)."""
