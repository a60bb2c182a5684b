"""The outbox delivered over real SMTP: retries with backoff, at most once per row, and a worker
killed in the middle of sending loses nothing and sends nothing twice."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from openivan.core.errors import OpenIvanError
from openivan.notify import services
from openivan.notify.models import Notification, NotificationStatus
from openivan.platform.models import AuditEvent
from openivan.platform.sealing import unseal
from tests.conftest import run_worker
from tests.mailserver import body_of
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def queue(recipient: str = "ketoan@example.vn", reference: str = "BHXH-TEST-1",
          valid_until: datetime | None = None) -> Notification:
    return services.queue_email(reference, "decision", recipient, {"dossier": {
        "unit_name": "Công ty Mẫu", "form_code": "04/ĐK-IVAN", "number": reference,
        "status": "accepted", "unit_code": "TA0001A"}}, valid_until=valid_until)


def test_queued_email_is_delivered_once_with_its_message_id(mailserver):
    notification = queue()
    run_worker()
    [message] = mailserver.wait_for(1)
    assert message["Message-ID"] == notification.message_id
    assert message["Subject"].strip() == "Kết quả xử lý hồ sơ BHXH-TEST-1: Chấp nhận"
    assert "Mã đơn vị: TA0001A" in body_of(message)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 1
    assert unseal(notification.sealed_body) == ""  # what it carried is not kept
    assert [d.outcome for d in notification.deliveries.all()] == ["sent"]


def test_body_is_sealed_at_rest(mailserver):
    notification = queue()
    stored = bytes(Notification.objects.get(pk=notification.pk).sealed_body)
    assert "Công ty Mẫu".encode() not in stored and b"TA0001A" not in stored
    assert "TA0001A" in unseal(stored)


def test_refused_message_is_retried_until_accepted(mailserver, settings):
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS = 0  # retry at once, so one worker run sees it all
    mailserver.refuse_next = 2
    notification = queue()
    run_worker()
    assert len(mailserver.wait_for(1)) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and notification.attempts == 3
    outcomes = [d.outcome for d in notification.deliveries.all()]
    assert outcomes == ["retry", "retry", "sent"]
    assert "451" in notification.deliveries.first().detail


def test_retry_waits_exponentially_longer(mailserver, settings):
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS = 30
    mailserver.refuse_next = 1
    notification = queue()
    before = timezone.now()
    run_worker()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING and mailserver.messages == []
    assert timedelta(seconds=29) <= notification.next_attempt_at - before <= timedelta(seconds=40)
    assert services.deliver_due() == 0  # not due before its time
    assert [services.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    settings.OPENIVAN_NOTIFY_RETRY_MAX_SECONDS = 100
    assert services.backoff(10).total_seconds() == 100


def test_gives_up_after_the_last_attempt(mailserver, settings):
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS = 0
    settings.OPENIVAN_NOTIFY_MAX_ATTEMPTS = 3
    mailserver.refuse_next = 10
    notification = queue()
    run_worker()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED and notification.attempts == 3
    assert [d.outcome for d in notification.deliveries.all()] == ["retry", "retry", "failed"]
    assert services.deliver_due() == 0  # a failed row is not tried again


def test_unreachable_server_is_a_failed_attempt(mailserver, settings):
    settings.EMAIL_PORT = 1  # nothing listens there
    notification = queue()
    assert services.deliver(notification.pk) == "retry"
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert "ConnectionRefusedError" in notification.deliveries.get().detail


def test_a_row_is_never_sent_twice(mailserver):
    notification = queue()
    assert services.deliver(notification.pk) == "sent"
    assert services.deliver(notification.pk) == "skipped"
    assert services.recover_abandoned() == 0 and services.deliver_due() == 0
    run_worker()
    assert len(mailserver.wait_for(1, timeout=1)) == 1


def test_notifications_appear_on_the_timeline(mailserver, settings):
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS = 0
    mailserver.refuse_next = 1
    queue(reference="BHXH-TL")
    run_worker()
    codes = [e.code for e in services.timeline("BHXH-TL")]
    assert codes == ["THONG_BAO", "THONG_BAO_RETRY", "THONG_BAO_SENT"]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _start_worker(mailserver, lease_seconds: int, database_url: str | None = None,
                  sweep_seconds: float = 30) -> subprocess.Popen[bytes]:
    env = dict(os.environ, DATABASE_URL=database_url or _database_url(), DEBUG="1",
               SECRET_KEY=settings.SECRET_KEY, OPENIVAN_DATA_KEY=settings.OPENIVAN_DATA_KEY,
               EMAIL_URL=f"smtp://{mailserver.host}:{mailserver.port}",
               OPENIVAN_NOTIFY_LEASE_SECONDS=str(lease_seconds), OPENIVAN_NOTIFY_POLL_SECONDS="0.1",
               OPENIVAN_ROLES=",".join(settings.ROLES))
    command = [str(Path(sys.executable).parent / "openivan"), "manage", "worker",
               "--no-startup-delay", "--no-reload", "--interval", "0.1",
               "--sweep-seconds", str(sweep_seconds)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _wait(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    wait_until(condition, timeout=timeout, interval=0.05)


def test_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(mailserver):
    mailserver.stall_on = "cham@"  # the server hangs on this recipient, like a slow relay
    mailserver.stall_seconds = 60
    fast = queue("nhanh@example.vn", "BHXH-A")
    slow = queue("cham@example.vn", "BHXH-B")
    worker = _start_worker(mailserver, lease_seconds=1)
    try:
        _wait(lambda: mailserver.rcpt_seen_for("cham@"))
        os.killpg(worker.pid, signal.SIGKILL)  # mid-conversation: no chance to clean up
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert [m["To"] for m in mailserver.messages] == ["nhanh@example.vn"]
    slow.refresh_from_db()
    assert slow.status == NotificationStatus.SENDING  # claimed by the dead worker

    mailserver.stall_seconds = 0
    wait_until(lambda: Notification.objects.get(pk=slow.pk).lease_until < timezone.now(),
               what="the dead worker's claim expires")
    worker = _start_worker(mailserver, lease_seconds=30)  # the restart
    try:
        _wait(lambda: Notification.objects.filter(status=NotificationStatus.SENT).count() == 2)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(10)
    wait_until(lambda: len(mailserver.messages) == 2, what="both emails at the server")
    recipients = sorted(str(m["To"]) for m in mailserver.messages)
    assert recipients == ["cham@example.vn", "nhanh@example.vn"]
    slow.refresh_from_db()
    assert [d.outcome for d in slow.deliveries.all()] == ["lost", "sent"]
    assert fast.deliveries.count() == 1
    # The timeline does not claim what nobody knows: the server might have had it.
    [lost] = [e for e in services.timeline("BHXH-B") if e.code == "THONG_BAO_LOST"]
    assert "có thể đã gửi; gửi lại cùng Message-ID" in lost.description
    assert slow.message_id in lost.description


def _queue_batch(count: int) -> list[Notification]:
    return [queue(f"donvi{i:03d}@example.vn", f"BHXH-LO-{i:03d}") for i in range(count)]


def _copies(mailserver) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many times the server accepted each Message-ID."""
    copies: dict[str, int] = {}
    for message in list(mailserver.messages):
        copies[str(message["Message-ID"])] = copies.get(str(message["Message-ID"]), 0) + 1
    return copies


def test_a_stopped_worker_finishes_the_email_in_hand_and_sends_each_once(mailserver):
    mailserver.stall_seconds = 0.02  # every conversation takes a while: the stop lands in one
    batch = _queue_batch(200)
    worker = _start_worker(mailserver, lease_seconds=300)
    try:
        _wait(lambda: len(mailserver.messages) >= 20)
        os.killpg(worker.pid, signal.SIGTERM)  # as systemd, or the demo's Ctrl-C, stops it
        assert worker.wait(15) == 0
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    # Nothing left half-sent: every row the server accepted is marked sent, and no other.
    assert not Notification.objects.filter(status=NotificationStatus.SENDING).exists()
    sent = set(Notification.objects.filter(status=NotificationStatus.SENT)
               .values_list("message_id", flat=True))
    assert 20 <= len(sent) < len(batch)  # it stopped in the middle of the batch
    assert _copies(mailserver) == dict.fromkeys(sent, 1)

    run_worker()  # the next worker sends the rest
    assert _copies(mailserver) == {n.message_id: 1 for n in batch}
    assert not Notification.objects.filter(deliveries__outcome="lost").exists()


def test_workers_killed_at_random_lose_nothing_and_copy_only_the_email_in_flight(mailserver):
    mailserver.stall_seconds = 0.005
    batch = _queue_batch(200)
    in_flight: set[int] = set()  # rows a killed worker was sending: their fate is unknown
    chance = random.Random(2659)
    for _ in range(10):  # each a worker started (2-3 s) and killed
        worker = _start_worker(mailserver, lease_seconds=1, sweep_seconds=0.5)
        try:
            before = len(mailserver.messages)
            more = chance.randint(1, 8)
            _wait(lambda: len(mailserver.messages) >= min(before + more, len(batch)))  # noqa: B023
            time.sleep(chance.random() * 0.02)  # anywhere in the next conversation
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
        in_flight |= set(Notification.objects.filter(status=NotificationStatus.SENDING)
                         .values_list("pk", flat=True))
    worker = _start_worker(mailserver, lease_seconds=1, sweep_seconds=0.5)
    try:
        _wait(lambda: Notification.objects.filter(status=NotificationStatus.SENT).count()
              == len(batch), timeout=60)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(15)

    copies = _copies(mailserver)
    assert set(copies) == {n.message_id for n in batch}  # no email lost, none made up
    copied = {message_id for message_id, count in copies.items() if count > 1}
    suspects = {n.message_id: n for n in batch if n.pk in in_flight}
    assert copied <= set(suspects), "a copy of an email that no killed worker was sending"
    assert all(copies[message_id] == 2 for message_id in copied)
    for notification in suspects.values():
        lines = [e.description for e in services.timeline(notification.reference)
                 if e.code == "THONG_BAO_LOST"]
        assert lines and all(notification.message_id in line for line in lines)


def failed_email(mailserver, settings, reference: str = "BHXH-TEST-1") -> Notification:  # type: ignore[no-untyped-def]
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS, settings.OPENIVAN_NOTIFY_MAX_ATTEMPTS = 0, 2
    mailserver.refuse_next = 2
    notification = queue(reference=reference)
    run_worker()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    return notification


def test_a_failed_email_sent_again_gets_a_full_set_of_attempts(mailserver, settings):
    notification = failed_email(mailserver, settings)
    mailserver.refuse_next = 1  # the first new attempt fails too: it is not the last
    services.requeue(notification.pk, "BHXH-TEST-1", "user:canbo01")
    run_worker()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT and len(mailserver.messages) == 1
    assert [d.outcome for d in notification.deliveries.all()] == [
        "retry", "failed", "requeued", "retry", "sent"]
    lines = [entry.description for entry in services.timeline("BHXH-TEST-1")]
    assert lines[3].endswith(": xếp hàng gửi lại theo yêu cầu (user:canbo01)")
    assert lines[5].endswith("lần 2: đã gửi thành công")
    event = AuditEvent.objects.get(action="notification.requeued")
    assert (event.actor, event.details["reference"]) == ("user:canbo01", "BHXH-TEST-1")


@pytest.mark.parametrize("state", ["pending", "sent", "another dossier's"])
def test_only_a_failed_email_of_that_dossier_can_be_sent_again(mailserver, settings, state):
    notification = failed_email(mailserver, settings, reference="BHXH-OTHER")
    reference = "BHXH-OTHER"
    if state == "another dossier's":
        reference = "BHXH-TEST-1"
    else:
        Notification.objects.filter(pk=notification.pk).update(status=state)
    with pytest.raises(OpenIvanError) as refused:
        services.requeue(notification.pk, reference, "user:canbo01")
    assert refused.value.code == "NOTIFICATION_NOT_FAILED"
    assert not notification.deliveries.filter(outcome="requeued").exists()


def test_the_outbox_command_sends_again_what_failed_since_a_day(mailserver, settings):
    old = failed_email(mailserver, settings, reference="BHXH-1")
    failed_email(mailserver, settings, reference="BHXH-2")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    out = io.StringIO()
    call_command("outbox", "requeue-failed", "--since",
                 f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d}", stdout=out)
    assert out.getvalue().strip() == "1"
    statuses = dict(Notification.objects.values_list("reference", "status"))
    assert statuses == {"BHXH-1": "failed", "BHXH-2": "pending"}
    with pytest.raises(CommandError, match="DATE_INVALID"):
        call_command("outbox", "requeue-failed", "--since", "21/11/2026")


def test_by_default_an_email_is_retried_for_longer_than_a_code_lives():
    retries = sum((services.backoff(n) for n in range(1, settings.OPENIVAN_NOTIFY_MAX_ATTEMPTS)),
                  timedelta())
    assert retries > timedelta(hours=settings.OPENIVAN_ACTIVATION_HOURS)


def test_a_retry_due_after_what_the_email_carries_expired_is_not_sent(mailserver, settings):
    settings.OPENIVAN_NOTIFY_RETRY_SECONDS = 30
    mailserver.refuse_next = 1
    notification = queue(valid_until=timezone.now() + timedelta(hours=24))
    run_worker()  # refused once: due again in 30 s
    Notification.objects.filter(pk=notification.pk).update(  # the code expires meanwhile
        next_attempt_at=timezone.now(), valid_until=timezone.now() - timedelta(seconds=1))
    assert services.deliver_due() == 0  # passed by before the sweep marks it
    run_worker()
    assert mailserver.messages == []
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.EXPIRED
    assert unseal(notification.sealed_body) == ""
    assert [d.outcome for d in notification.deliveries.all()] == ["retry", "expired"]
    last = services.timeline("BHXH-TEST-1")[-1].description
    assert "không gửi nữa vì nội dung thư đã hết hiệu lực (hạn dùng " in last


def test_an_email_still_valid_is_sent_and_stays_sent(mailserver):
    notification = queue(valid_until=timezone.now() + timedelta(minutes=5))
    run_worker()
    assert len(mailserver.wait_for(1)) == 1
    Notification.objects.filter(pk=notification.pk).update(
        valid_until=timezone.now() - timedelta(seconds=1))
    assert services.expire_outdated() == 0  # sent is sent: only unsent emails go out of date
    assert Notification.objects.get(pk=notification.pk).status == NotificationStatus.SENT


def test_a_failed_email_whose_code_expired_is_not_sent_again(mailserver, settings):
    notification = failed_email(mailserver, settings)
    Notification.objects.filter(pk=notification.pk).update(
        valid_until=timezone.now() - timedelta(seconds=1))
    assert services.failed("BHXH-TEST-1") == []
    with pytest.raises(OpenIvanError) as refused:
        services.requeue(notification.pk, "BHXH-TEST-1", "user:canbo01")
    assert refused.value.code == "NOTIFICATION_OUTDATED"
    assert "Đơn vị cần nộp lại tờ khai" in refused.value.message_vi
    out = io.StringIO()
    call_command("outbox", "requeue-failed", stdout=out)
    assert out.getvalue().strip() == "0"  # none sent again: it is marked out of date instead
    run_worker()
    assert mailserver.messages == []
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.EXPIRED
    assert not notification.deliveries.filter(outcome="requeued").exists()


@contextmanager
def database_server_admin() -> Iterator[Any]:
    """A connection to the server's maintenance database (a database cannot shut itself)."""
    import psycopg

    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                         password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as admin:
        yield admin


@contextmanager
def worker_through_an_outage(mailserver, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A real worker process that meets a real outage and must still be running after it.
    PostgreSQL: the server refuses connections and throws the worker's out mid-run. SQLite
    has no server to lose: the worker starts before its database's storage is mounted."""
    if connection.vendor == "sqlite":
        database = Path(connection.settings_dict["NAME"])
        mount = tmp_path / "mount"  # not there yet: "unable to open database file"
        worker = _start_worker(mailserver, 30, f"sqlite:///{mount / database.name}")

        def cut() -> None:
            pass  # the storage is missing from the start

        def mend() -> None:
            if not mount.exists():
                mount.symlink_to(database.parent)  # the storage is mounted
    else:
        name = connection.settings_dict["NAME"]
        worker = _start_worker(mailserver, 30)

        def cut() -> None:
            _wait(lambda: _connections_of_others(name) > 0)  # the worker is at work
            connection.close()
            with database_server_admin() as admin:  # no one may connect; all are thrown out
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = %s", [name])

        def mend() -> None:
            with database_server_admin() as admin:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    try:
        cut()
        time.sleep(3)  # the worker's job loop, outbox and sweeps each fail meanwhile
        assert worker.poll() is None, "the worker gave up"
        mend()
        yield worker
    finally:
        mend()
        os.killpg(worker.pid, signal.SIGTERM)
        # Within the worker's own stop limit (OPENIVAN_WORKER_STOP_SECONDS, 30 s): a loaded
        # machine's SQLite may make the step in hand wait for a lock first.
        worker.wait(40)


def _connections_of_others(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                       "AND pid <> pg_backend_pid()", [name])
        return int(cursor.fetchone()[0])


def test_worker_outlives_a_database_outage_and_then_sends_what_was_queued(mailserver, tmp_path):
    with worker_through_an_outage(mailserver, tmp_path) as worker:
        queue("sau-su-co@example.vn", "BHXH-AFTER")
        _wait(lambda: len(mailserver.messages) == 1)
        assert worker.poll() is None
    assert [m["To"] for m in mailserver.messages] == ["sau-su-co@example.vn"]
