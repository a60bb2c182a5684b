"""Screenshots of the provider's screens, kept as test artifacts (var/artifacts/provider-*.png)
to look at what a user sees."""

from __future__ import annotations

from typing import Any

from tests.signer_agent.conftest import ARTIFACTS


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"provider-{name}.png"), full_page=True)
