"""tests/waiting.py: a wait returns as soon as its condition holds, and fails, saying what it
waited for, when the condition never comes."""

from __future__ import annotations

import threading

import pytest

from tests.waiting import wait_until


def test_a_wait_returns_the_first_true_value_as_soon_as_it_comes():
    ready = threading.Event()
    threading.Timer(0.05, ready.set).start()
    assert wait_until(lambda: ready.is_set() and "ready", timeout=5) == "ready"


def test_a_condition_that_never_comes_fails_naming_what_was_awaited():
    with pytest.raises(AssertionError, match=r"not true within 0\.1 s: the answer"):
        wait_until(lambda: False, timeout=0.1, what="the answer")
