"""Only OPENIVAN_WEB_CPU_SLOTS requests of a web process compute at once; one waiting on the
network gives its turn back meanwhile."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.test import Client

from openivan.platform import cpu_slots

WAIT = 5.0  # seconds a test waits for what must happen at once (never reached when it works)


def until(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
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
    assert until(lambda: len(inside) == 2)
    time.sleep(0.2)
    assert len(inside) == 2  # the third waits for a slot
    release.set()
    for thread in threads:
        thread.join(WAIT)
    assert sorted(done) == [0, 1, 2]


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
    page = threading.Thread(target=lambda: answered.append(Client().get("/api/v1/health")))
    page.start()
    time.sleep(0.2)
    assert not answered  # the one slot is taken
    release.set()
    page.join(WAIT)
    busy.join(WAIT)
    assert answered and answered[0].status_code == 200


def test_waiting_outside_a_request_holds_nothing(settings):
    settings.OPENIVAN_WEB_CPU_SLOTS = 1
    with cpu_slots.waiting():  # e.g. the worker's or a command's verification
        pass
    taken: list[bool] = []  # the one slot is still free: another thread takes it at once
    other = threading.Thread(target=lambda: taken.append(cpu_slots._semaphore().acquire(
        timeout=WAIT)))
    other.start()
    other.join(WAIT)
    assert taken == [True]
    cpu_slots._semaphore().release()
