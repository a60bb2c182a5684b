"""platform/jobs.py: apps register queues and sweeps; one worker thread runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import OperationalError
from django.utils import timezone

from openivan.notify import services
from openivan.notify.models import Notification
from openivan.notify.states import JOB_STATES, NOTIFICATION
from openivan.platform import jobs
from tests.conftest import stepping_worker


@pytest.fixture
def sweep(monkeypatch) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """Two sweeps of a test app, alone in the registry (no queue): what they ran."""
    monkeypatch.setattr(jobs, "PERIODIC", {})
    monkeypatch.setattr(jobs, "QUEUES", {})
    runs: list[str] = []
    jobs.register_periodic("test:often", lambda: runs.append("often") or 1, every_seconds=0)
    jobs.register_periodic("test:rarely", lambda: runs.append("rarely") or 2, every_seconds=3600)
    yield runs


def test_every_app_registers_its_sweeps_and_its_queues_in_its_ready():
    assert {"recover:email", "notifications_outdated", "throttles_forgotten",
            "workers_forgotten", "password_reminders", "codes_expired", "activations_expired",
            "registrations_stopped"} <= set(jobs.PERIODIC)
    names = list(jobs.PERIODIC)
    assert names.index("codes_expired") < names.index("activations_expired")
    assert {"email", "sms", "provider.sign", "provider.send", "portal.process"} <= set(jobs.QUEUES)
    assert "sms_receipts" in jobs.PERIODIC
    assert {"provider.decisions", "provider.expiry_warnings", "portal.answer_times",
            "recover:portal.process"} <= set(jobs.PERIODIC)


def test_the_worker_runs_each_sweep_at_once_then_at_its_own_interval(sweep):
    beats: list[int] = []
    worker = jobs.Worker(poll_seconds=0, sweep_seconds=3600, beat=lambda: beats.append(1),
                         beat_seconds=3600, stopping=lambda: False, sleep=lambda s: None)
    worker.step()
    worker.step()
    assert sweep == ["often", "rarely", "often"] and beats == [1]
    assert jobs.run_periodic(["test:often", "test:rarely"]) == {"test:often": 1,
                                                                "test:rarely": 2}


def test_a_sweep_that_fails_or_finds_the_database_away_does_not_end_the_worker(sweep, caplog):
    def away() -> None:
        raise OperationalError("connection refused")

    jobs.register_periodic("test:away", away, every_seconds=0)
    worker = jobs.Worker(poll_seconds=0, sweep_seconds=3600, beat=lambda: None,
                         beat_seconds=3600, stopping=lambda: False, sleep=lambda s: None)
    worker.step()
    worker.step()
    assert sweep.count("often") == 2
    assert [r.message for r in caplog.records].count(
        "test:away: the database is unavailable (connection refused); trying every 0 s") == 1


def test_a_queue_whose_states_are_not_its_machines_is_refused():
    with pytest.raises(ValueError, match="not a state of notification"):
        jobs.register_queue("test:bad", lambda row: None, model=Notification,
                            machine=NOTIFICATION,
                            states=jobs.States("pending", "running", "sent", "failed"),
                            settings_prefix="OPENIVAN_NOTIFY")
    assert "test:bad" not in jobs.QUEUES


@pytest.mark.django_db
def test_a_queue_whose_server_is_away_rests_longer_while_it_stays_away(
        monkeypatch, settings, caplog):
    monkeypatch.setattr(jobs, "PERIODIC", {})
    monkeypatch.setattr(jobs, "QUEUES", {})
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS = 10
    settings.OPENIVAN_NOTIFY_RETRY_MAX_SECONDS = 3600
    settings.OPENIVAN_NOTIFY_MAX_ATTEMPTS = 20
    server_up, tried = [False], []

    def send(row: Notification) -> None:
        tried.append(row.pk)
        if not server_up[0]:
            raise ConnectionRefusedError("away")

    jobs.register_queue("test:remote", send, model=Notification, machine=NOTIFICATION,
                        states=JOB_STATES, settings_prefix="OPENIVAN_NOTIFY",
                        away=lambda exc: isinstance(exc, ConnectionError))
    for n in range(3):
        services.queue_email(f"R{n}", "decision", "anh@example.vn", {"dossier": {
            "unit_name": "Công ty Mẫu", "form_code": "04/ĐK-IVAN", "number": f"R{n}",
            "status": "accepted", "unit_code": "TA0001A"}})
    now = [0.0]
    worker = stepping_worker(now)

    def step_at(seconds: float) -> int:
        now[0] = seconds
        Notification.objects.update(next_attempt_at=timezone.now())  # every row due
        before = len(tried)
        worker.step()
        return len(tried) - before

    # One try per rest, each rest twice the last, at most 5 minutes.
    for ends in (0, 10, 30, 70, 150, 310):
        if ends:
            assert step_at(ends - 1) == 0  # still resting
        assert step_at(ends) == 1
    assert [r.getMessage() for r in caplog.records if "rests" in r.getMessage()] == [
        f"test:remote: its server is away; the queue rests {s} s"
        for s in (10, 20, 40, 80, 160, 300)]
    server_up[0] = True
    assert step_at(610) == 3  # back: every row goes in one turn, and the rest is over
    server_up[0] = False
    Notification.objects.update(status="pending")
    assert step_at(611) == 1 and caplog.records[-1].getMessage().endswith("rests 10 s")
