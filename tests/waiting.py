"""Waiting on a condition instead of sleeping for a guessed time: a test that waits for what it
needs is as fast as the machine allows and fails, with a message, only when it never comes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, interval: float = 0.02,
               what: str = "") -> T:
    """The first true value `predicate()` returns, asked every `interval` seconds; an
    AssertionError naming `what` (or the predicate) if none came within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            name = what or getattr(predicate, "__name__", repr(predicate))
            raise AssertionError(f"not true within {timeout:g} s: {name}")
        time.sleep(interval)
