"""Lượt tính toán: at most `OPENIVAN_WEB_CPU_SLOTS` requests of a web process compute at once;
the others wait for a slot instead of sharing the interpreter lock with them.

A process needs threads to keep serving while some of its requests wait on the network — a
CA's OCSP responder above all — but threads that all compute at once share the interpreter
lock and stretch every request. Here a request holds a slot while it computes and gives it
back while it waits (`waiting`), so a process can have many threads and still compute only
as many requests at once as the slots allow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_slots: dict[int, threading.BoundedSemaphore] = {}  # by count: a test may change the setting
_created = threading.Lock()
_holding = threading.local()  # .slot: this thread holds one


def _semaphore() -> threading.BoundedSemaphore | None:
    count = settings.OPENIVAN_WEB_CPU_SLOTS
    if not count:
        return None
    slots = _slots.get(count)  # every request: no lock, no new object once made
    if slots is None:
        with _created:
            slots = _slots.setdefault(count, threading.BoundedSemaphore(count))
    return slots


@contextmanager
def computing() -> Iterator[None]:
    """Around a request: wait for a slot, hold it until the response is made."""
    slots = _semaphore()
    if slots is None or getattr(_holding, "slot", None) is not None:
        yield
        return
    with slots:
        _holding.slot = slots
        try:
            yield
        finally:
            _holding.slot = None


@contextmanager
def waiting() -> Iterator[None]:
    """Around a call that waits on the network: the slot serves another request meanwhile.
    Never inside a transaction: a request waiting for its slot back must hold no lock that
    the requests computing meanwhile could wait for."""
    slots = getattr(_holding, "slot", None)
    if slots is None:
        yield
        return
    _holding.slot = None
    slots.release()
    try:
        yield
    finally:
        slots.acquire()
        _holding.slot = slots


class CpuSlotMiddleware:
    """First of all: the whole of a request's Django work is inside its slot."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with computing():
            return self.get_response(request)
