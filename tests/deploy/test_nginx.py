"""The production recipe of deploy/: Debian's nginx with the shipped configuration in front of
two app-server instances on gunicorn's own threaded worker. Reloaded in turn, they fail no
call; slow and silent clients are nginx's to hold, not the app's."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import nginx_recipe  # tools/: the tools that measure the recipe use it too

from tests.waiting import wait_until


@pytest.fixture(scope="module")
def recipe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nginx_recipe.Recipe]:
    folder = tmp_path_factory.mktemp("recipe")
    with nginx_recipe.running(nginx_recipe.environment(folder), folder) as running:
        yield running


def test_no_call_fails_while_the_instances_reload_in_turn(
        recipe: nginx_recipe.Recipe) -> None:
    url = f"{recipe.url}/api/v1/health"
    stop, failures, calls = threading.Event(), [], [0]

    def call(kept_alive: bool) -> None:
        with httpx.Client(timeout=20) as client:
            while not stop.is_set():
                try:  # a new connection each time, or one kept alive
                    status = (client.get(url) if kept_alive
                              else httpx.get(url, timeout=20)).status_code
                    if status != 200:
                        failures.append(f"HTTP {status}")
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                calls[0] += 1

    callers = [threading.Thread(target=call, args=(n % 2 == 0,)) for n in range(6)]
    for caller in callers:
        caller.start()
    try:
        for n in range(15):  # as deploy/reload.sh: one instance, then the other
            log = f"web{n % 2 + 1}.log"
            before = _processes_changed(recipe.log(log))
            recipe.reload(n % 2)
            # Its new processes up and its old ones gone before the other instance goes
            # (what reload.sh's pause waits for).
            wait_until(lambda log=log, before=before:
                       _processes_changed(recipe.log(log)) >= before + 2,
                       timeout=30, what=f"{log}'s processes replaced")
        made = calls[0]
        wait_until(lambda: calls[0] >= made + 50, what="50 calls after the last reload")
    finally:
        stop.set()
        for caller in callers:
            caller.join(30)
    reloads = recipe.log("web1.log").count("Hang up") + recipe.log("web2.log").count("Hang up")
    assert reloads == 15
    assert calls[0] > 100 and failures == [], failures


def _processes_changed(log: str) -> int:
    """Processes an instance's log says were replaced: each started and each ended one."""
    return min(log.count("Booting worker"), log.count("Worker exiting") + 2)


def _stalled(recipe: nginx_recipe.Recipe, count: int) -> list[socket.socket]:
    host, port = recipe.url.removeprefix("http://").split(":")
    stalled = [socket.create_connection((host, int(port))) for _ in range(count)]
    for connection in stalled:
        connection.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # never ends
    return stalled


def test_half_sent_requests_leave_the_app_answering_others(
        recipe: nginx_recipe.Recipe) -> None:
    stalled = _stalled(recipe, 40)
    try:
        answered = httpx.get(f"{recipe.url}/api/v1/health", timeout=10)
        assert answered.status_code == 200
        stalled[0].settimeout(20)  # nginx's client_header_timeout is 10 s
        started = time.monotonic()
        assert stalled[0].recv(100) == b""  # closed by nginx, which never passed it on
        assert time.monotonic() - started < 15
    finally:
        for connection in stalled:
            connection.close()


def test_a_body_declared_too_large_is_refused_by_nginx_unread(
        recipe: nginx_recipe.Recipe) -> None:
    host, port = recipe.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"POST /api/v1/dossiers HTTP/1.1\r\nHost: x\r\n"
                           b"Content-Type: application/xml\r\nContent-Length: 3145728\r\n\r\n")
        answer = b""
        while chunk := connection.recv(4096):  # to the end: nginx closes the connection
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 413"), answer[:200]
    assert b"\r\nconnection: close" in head  # it says what it then does
    assert b"keep-alive" not in head
