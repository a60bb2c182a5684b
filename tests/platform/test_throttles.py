"""Shared throttles: counts per key in a window, kept in the database for every process."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from openivan.platform.models import Throttle
from openivan.platform.services import throttles

T0 = 1_800_000_000.0


@pytest.mark.django_db
def test_events_are_counted_in_a_window_that_opens_at_the_first():
    assert [throttles.hit("k", 60, now=T0 + s).count for s in (0, 10, 59)] == [1, 2, 3]
    assert throttles.hit("k", 60, now=T0 + 59).window_ends == T0 + 60


@pytest.mark.django_db
def test_the_first_event_after_a_window_ends_opens_a_new_one():
    throttles.hit("k", 60, now=T0)
    throttles.hit("k", 60, now=T0 + 1)
    fresh = throttles.hit("k", 60, now=T0 + 60)
    assert (fresh.count, fresh.window_ends) == (1, T0 + 120)


@pytest.mark.django_db
def test_keys_are_counted_apart_and_cleared_alone():
    throttles.hit("a", 60, now=T0)
    throttles.hit("a", 60, now=T0)
    throttles.hit("b", 60, now=T0)
    throttles.clear("a")
    assert throttles.peek("a", now=T0).count == 0
    assert throttles.peek("b", now=T0).count == 1


@pytest.mark.django_db
def test_peek_reads_without_counting_and_ignores_ended_windows():
    throttles.hit("k", 60, now=T0)
    assert throttles.peek("k", now=T0 + 30).count == 1
    assert throttles.peek("k", now=T0 + 30).count == 1
    assert throttles.peek("k", now=T0 + 60).count == 0


@pytest.mark.django_db
def test_seconds_left_rounds_up_and_is_never_zero_while_the_window_runs():
    hits = throttles.hit("k", 60, now=T0)
    assert hits.seconds_left(now=T0 + 0.5) == 60
    assert hits.seconds_left(now=T0 + 59.9) == 1


@pytest.mark.django_db
def test_the_sweep_forgets_ended_windows_only():
    throttles.hit("old", 60, now=T0)
    throttles.hit("live", 60, now=T0 + 50)
    assert throttles.sweep_throttles(now=T0 + 61) == 1
    assert list(Throttle.objects.values_list("key", flat=True)) == ["live"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_events_lose_no_count():
    """Each thread has its own database connection, as each web process has."""
    threads, each = 6, 15
    errors: list[BaseException] = []

    def hammer() -> None:
        try:
            for _ in range(each):
                throttles.hit("shared", 60)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=hammer) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert Throttle.objects.get(key="shared").count == threads * each
