"""The language of messages printed in a shell (the `openivan` command and `openivan manage`)."""

from __future__ import annotations

import os


def language() -> str:
    """Messages are Vietnamese; LANG=en… asks for English."""
    return "en" if os.environ.get("LANG", "").startswith("en") else "vi"
