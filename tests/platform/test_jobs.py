"""platform/jobs.py: apps register queues and sweeps; one worker thread runs them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import OperationalError

from openivan.notify.models import Notification
from openivan.notify.states import NOTIFICATION
from openivan.platform import jobs


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
