"""The audit log leaves the platform as JSON lines with `openivan manage audit export`, and
is pruned only of old events, with a record that it was."""

from __future__ import annotations

import getpass
import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from openivan.platform.models import AuditEvent
from openivan.platform.services import audit
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db


def audit_command(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def event_at(day: str, action: str, target: str = "account:0101300842") -> None:
    at = timezone.make_aware(datetime.fromisoformat(day))
    AuditEvent.objects.create(at=at, actor="client:203.0.113.7", action=action, target=target,
                              details={"đơn vị": "Công ty Mẫu"})


def test_export_gives_the_chosen_days_and_actions_oldest_first():
    event_at("2026-03-02 08:00", "account.login")
    event_at("2026-03-01 23:59", "account.login_failed")
    event_at("2026-02-28 23:59", "account.login")  # the day before --since
    event_at("2026-03-04 00:00", "account.login")  # the --until day: excluded
    event_at("2026-03-02 09:00", "provider.registered", "provider:00040")
    lines = audit_command("export", "--since", "2026-03-01", "--until", "2026-03-04",
                          "--action", "account.").splitlines()
    exported = [json.loads(line) for line in lines]
    assert [(e["at"], e["action"]) for e in exported] == [
        ("2026-03-01T23:59:00+07:00", "account.login_failed"),
        ("2026-03-02T08:00:00+07:00", "account.login")]
    assert exported[0]["details"] == {"đơn vị": "Công ty Mẫu"}
    assert "Công ty Mẫu" in lines[0]  # Vietnamese as written, not \\u escapes


def test_prune_deletes_old_events_and_records_who_did_it(settings):
    settings.OPENIVAN_AUDIT_MIN_DAYS = 365
    old = (timezone.localdate() - timedelta(days=800)).isoformat()
    cut = (timezone.localdate() - timedelta(days=400)).isoformat()
    event_at(f"{old} 10:00", "account.login")
    event_at(f"{old} 11:00", "provider.registered", "provider:00040")
    # An hour ago: "today 08:00" came after the prune's own event between 00:00 and 08:00.
    event_at(f"{timezone.localtime() - timedelta(hours=1):%Y-%m-%d %H:%M}", "account.login")
    assert audit_command("prune", "--before", cut, "--action", "account.").strip() == "1"
    left = list(AuditEvent.objects.order_by("at", "id").values_list("action", "actor"))
    assert left == [("provider.registered", "client:203.0.113.7"),
                    ("account.login", "client:203.0.113.7"),
                    ("audit.pruned", f"cli:{getpass.getuser()}")]
    assert AuditEvent.objects.get(action="audit.pruned").details["deleted"] == 1


def test_recent_events_cannot_be_pruned(settings):
    settings.OPENIVAN_AUDIT_MIN_DAYS = 365
    event_at(f"{timezone.localdate() - timedelta(days=100)} 10:00", "account.login")
    recent = (timezone.localdate() - timedelta(days=30)).isoformat()
    with pytest.raises(CommandError, match=r"AUDIT_PRUNE_TOO_RECENT: .*365 ngày"):
        audit_command("prune", "--before", recent)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["account.login"]


def test_a_date_that_is_not_one_is_refused():
    with pytest.raises(CommandError, match=r"DATE_INVALID: .*2026-02-30"):
        audit_command("export", "--since", "2026-02-30")


def test_export_streams_past_one_chunk():
    AuditEvent.objects.bulk_create(
        AuditEvent(at=timezone.now(), actor="system", action="registration.started",
                   target=f"registration:{n}") for n in range(4500))
    assert sum(1 for _ in audit.events(action="registration.")) == 4500


@pytest.fixture
def admin_client_of_root(db):  # type: ignore[no-untyped-def]
    root = get_user_model().objects.create_superuser("quantri", "qt@bhxh.gov.vn", "x")
    client = Client()
    sign_in_staff(client, root)
    return client


def test_changes_made_in_the_admin_join_the_audit_log(admin_client_of_root):
    """Officers' accounts and permissions are changed in the admin: who did it is kept."""
    permission = Permission.objects.get(codename="decide_dossier")
    added = admin_client_of_root.post("/admin/auth/group/add/", {
        "name": "Cán bộ tiếp nhận", "permissions": [permission.pk]})
    assert added.status_code == 302
    group = Group.objects.get(name="Cán bộ tiếp nhận")
    admin_client_of_root.post(f"/admin/auth/group/{group.pk}/change/", {
        "name": "Cán bộ xét duyệt", "permissions": []})
    admin_client_of_root.post(f"/admin/auth/group/{group.pk}/delete/", {"post": "yes"})
    events = list(AuditEvent.objects.filter(target=f"auth.group:{group.pk}")
                  .order_by("at", "id").values_list("actor", "action", "details"))
    assert [(actor, action) for actor, action, _ in events] == [
        ("user:quantri", "admin.added"), ("user:quantri", "admin.changed"),
        ("user:quantri", "admin.deleted")]
    assert events[1][2]["object"] == "Cán bộ xét duyệt"
    assert events[1][2]["message"] == "Đã thay đổi Name và Quyền."  # as the admin shows it


def test_the_admin_offers_no_bulk_delete(admin_client_of_root):
    """A bulk delete would bypass the audit log (its admin log is written in bulk)."""
    Group.objects.create(name="Cán bộ tiếp nhận")  # an empty list shows no actions at all
    page = admin_client_of_root.get("/admin/auth/group/").content.decode()
    assert "Cán bộ tiếp nhận" in page and "delete_selected" not in page
