"""Only OPENIVAN_WEB_CPU_SLOTS requests of a web process compute at once; one waiting on the
network gives its turn back meanwhile."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.test import Client

from openivan.platform import cpu_slots
from tests.waiting import wait_until

WAIT = 5.0  # seconds a test waits for what must happen at once (never reached when it works)


def _free(slots: threading.BoundedSemaphore | None) -> bool:
    """Whether a slot is free now (taken and given back at once if so)."""
    assert slots is not None
    if not slots.acquire(blocking=False):
        return False
    slots.release()
    return True


def test_no_more_requests_compute_at_once_than_there_are_slots(settings):
    settings.OPENIVAN_WEB_CPU_SLOTS = 2
    inside, done, release = [], [], threading.Event()

    def request(n: int) -> None:
        with cpu_slots.computing():
            inside.append(n)
            release.wait(WAIT)
            inside.remove(n)
        done.append(n)

    threads = [threading.Thread(target=request, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(inside) == 2, WAIT)
    assert not _free(cpu_slots._semaphore())  # the third cannot get in: it waits for a slot
    assert len(inside) == 2 and not done
    release.set()
    for thread in threads:
        thread.join(WAIT)
    assert sorted(done) == [0, 1, 2]
    assert _free(cpu_slots._semaphore())  # every slot given back


def test_a_request_waiting_on_the_network_gives_its_slot_back(settings):
    settings.OPENIVAN_WEB_CPU_SLOTS = 1
    waiting, network, steps = threading.Event(), threading.Event(), []

    def slow_request() -> None:
        with cpu_slots.computing():
            with cpu_slots.waiting():  # e.g. a CA's OCSP responder
                waiting.set()
                network.wait(WAIT)
            steps.append("slow request computed again")

    def other_request() -> None:
        with cpu_slots.computing():
            steps.append("other request computed")

    slow = threading.Thread(target=slow_request)
    slow.start()
    assert waiting.wait(WAIT)
    other = threading.Thread(target=other_request)
    other.start()
    other.join(WAIT)
    assert steps == ["other request computed"]  # while the slow one waited
    network.set()
    slow.join(WAIT)
    assert steps == ["other request computed", "slow request computed again"]


@pytest.mark.django_db
def test_a_page_waits_for_a_slot(settings):
    settings.OPENIVAN_WEB_CPU_SLOTS = 1
    held, release, answered = threading.Event(), threading.Event(), []

    def busy_request() -> None:
        with cpu_slots.computing():
            held.set()
            release.wait(WAIT)

    busy = threading.Thread(target=busy_request)
    busy.start()
    assert held.wait(WAIT)
    def page_request() -> None:
        try:
            answered.append(Client().get("/api/v1/health"))
        finally:
            # As a server's request thread does: a connection left open (CONN_MAX_AGE) kept
            # the test database from being dropped at the end of the run.
            connections.close_all()

    page = threading.Thread(target=page_request)
    page.start()
    page.join(0.5)  # a page that ignored the slots would be answered by now
    assert page.is_alive() and not answered  # the one slot is taken: the page waits
    release.set()
    page.join(WAIT)
    busy.join(WAIT)
    assert answered and answered[0].status_code == 200


def test_waiting_outside_a_request_neither_takes_nor_gives_back_a_slot(settings):
    settings.OPENIVAN_WEB_CPU_SLOTS = 1
    slots = cpu_slots._semaphore()
    with cpu_slots.waiting():  # e.g. the worker's or a command's verification
        assert _free(slots)  # it took none
    assert _free(slots)  # nor took one back on the way out

    held, release = threading.Event(), threading.Event()

    def busy_request() -> None:
        with cpu_slots.computing():
            held.set()
            release.wait(WAIT)

    busy = threading.Thread(target=busy_request)
    busy.start()
    assert held.wait(WAIT)
    with cpu_slots.waiting():  # outside a request: it gives back no slot it does not hold
        assert not _free(slots)
    assert not _free(slots)
    release.set()
    busy.join(WAIT)
    assert _free(slots)
