"""The monitor's checks of the platform itself: the workers and the outbox."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from openivan.notify.models import Notification, NotificationStatus
from openivan.notify.services import queue_email
from openivan.platform.models import WorkerBeat
from openivan.platform.services import monitoring
from tests.outage import database_down
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


def check(name, now=None):
    return next(c for c in monitoring.run_checks(now) if c.name == name)


def test_no_worker_ever_is_critical():
    found = check("worker")
    assert found.level == monitoring.CRITICAL
    assert "Không có tiến trình nền nào đang chạy" in found.text("vi")


def test_a_worker_that_stops_beating_is_critical_after_three_missed_beats():
    monitoring.beat("host-a:1")
    now = timezone.now()
    assert check("worker", now).level == monitoring.OK
    assert check("worker", now).detail == "host-a:1"
    late = now + monitoring.beat_interval() * monitoring.MISSED_BEATS + timedelta(seconds=1)
    stopped = check("worker", late)
    assert stopped.level == monitoring.CRITICAL
    assert "báo hoạt động từ" in stopped.text("vi")


def test_one_running_worker_of_two_is_enough():
    now = timezone.now()
    monitoring.beat("host-a:1")
    WorkerBeat.objects.filter(name="host-a:1").update(seen_at=now - timedelta(hours=1))
    monitoring.beat("host-b:2")
    found = check("worker", now)
    assert found.level == monitoring.OK and found.detail == "host-b:2"


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection
def test_the_worker_command_reports_itself():
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
    assert check("worker").level == monitoring.OK
    assert WorkerBeat.objects.get().name == monitoring.worker_name()


def test_rows_of_workers_gone_for_a_day_are_forgotten():
    monitoring.beat("gone:1")
    monitoring.beat("here:2")
    WorkerBeat.objects.filter(name="gone:1").update(
        seen_at=timezone.now() - timedelta(days=1, minutes=1))
    assert monitoring.forget_gone_workers() == 1
    assert list(WorkerBeat.objects.values_list("name", flat=True)) == ["here:2"]


def test_an_email_unsent_past_the_alert_minutes_is_critical(settings):
    settings.OPENIVAN_ALERT_UNSENT_MINUTES = 15
    queue_email("BHXH-1", "password_expiring", "a@example.vn", {"days_left": 3})
    now = timezone.now()
    assert check("outbox_late", now + timedelta(minutes=14)).level == monitoring.OK
    late = check("outbox_late", now + timedelta(minutes=16))
    assert late.level == monitoring.CRITICAL and late.params["count"] == 1
    Notification.objects.update(status=NotificationStatus.SENT)
    assert check("outbox_late", now + timedelta(minutes=16)).level == monitoring.OK


def test_an_email_that_gave_up_is_a_warning_until_sent_again():
    queue_email("BHXH-1", "password_expiring", "a@example.vn", {"days_left": 3})
    Notification.objects.update(status=NotificationStatus.FAILED)
    failed = check("outbox_failed")
    assert failed.level == monitoring.WARNING and "requeue-failed" in failed.text("vi")
    Notification.objects.update(status=NotificationStatus.PENDING)
    assert check("outbox_failed").level == monitoring.OK


def test_the_command_exits_as_a_nagios_plugin(capsys):
    with pytest.raises(SystemExit) as stopped:
        call_command("status")
    assert stopped.value.code == 2  # no worker (and, here, no agency key)
    out = capsys.readouterr().out
    assert "CRITICAL worker:" in out and "OK       database:" in out


@pytest.mark.django_db(transaction=True)  # the outage closes the connection
def test_the_command_says_a_database_out_of_reach_is_critical(capsys):
    with database_down(), pytest.raises(SystemExit) as stopped:
        call_command("status")
    assert stopped.value.code == 2
    assert "CRITICAL database:" in capsys.readouterr().out


def test_staff_see_the_checks_on_the_home_page(django_user_model):
    client = Client()
    sign_in_staff(client, django_user_model.objects.create_user(
        "quantri", password="x", is_staff=True))
    page = client.get("/").content.decode()
    assert "Tình trạng hệ thống" in page and "cần xử lý ngay" in page
    assert 'data-check="worker"' in page and "Không có tiến trình nền nào đang chạy" in page
