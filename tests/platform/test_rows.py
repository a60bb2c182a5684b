"""`rows.insert` stores exactly what the ORM would, in one statement, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openivan.agency.models import IvanProvider
from openivan.notify.models import DeliveryAttempt, Notification, NotificationStatus
from openivan.platform.rows import find, find_with_parent, insert

pytestmark = pytest.mark.django_db


def _notification(n: int) -> Notification:
    at = datetime(2026, 11, 22, 3, 4, 5, 678000, tzinfo=UTC)
    return Notification(reference=f"R-{n}", template="decision", recipient=f"a{n}@example.vn",
                        subject="Tiêu đề có dấu", sealed_body=bytes([0, 255, n]),
                        next_attempt_at=at, created_at=at, message_id=f"<{n}@x>")


def test_rows_read_back_as_the_orm_would_have_written_them():
    rows = [_notification(1), _notification(2)]
    with CaptureQueriesContext(connection) as queries:
        insert(rows)
    assert len(queries) == 1
    assert all(row.pk and not row._state.adding for row in rows)
    stored = Notification.objects.get(pk=rows[1].pk)
    assert (stored.reference, stored.subject, bytes(stored.sealed_body)) == (
        "R-2", "Tiêu đề có dấu", bytes([0, 255, 2]))
    assert stored.next_attempt_at == rows[1].next_attempt_at
    assert stored.status == NotificationStatus.PENDING and stored.attempts == 0  # defaults
    DeliveryAttempt.objects.create(notification=rows[0], at=stored.created_at, outcome="sent",
                                   number=1)  # the keys set are the rows' real keys
    assert Notification.objects.get(deliveries__outcome="sent").reference == "R-1"


def test_a_model_without_a_generated_key_is_refused():
    with pytest.raises(TypeError, match="primary key"):
        insert([Session(session_key="k", session_data="", expire_date=datetime.now(UTC))])


def test_find_reads_a_row_as_the_orm_does():
    IvanProvider.objects.create(code="00001", name="Một", tax_code="0100109106",
                                api_key_id="k1", api_key_hash="h", active=False)
    made = IvanProvider.objects.create(code="00002", name="Hai", tax_code="0100109106",
                                       api_key_id="k2", api_key_hash="h",
                                       certificate_thumbprints=["ab", "cd"])
    found = find(IvanProvider, api_key_id="k2", active=True)
    assert found is not None and found.pk == made.pk
    expected = IvanProvider.objects.get(pk=made.pk)
    assert [(f.name, getattr(found, f.attname)) for f in IvanProvider._meta.concrete_fields] == [
        (f.name, getattr(expected, f.attname)) for f in IvanProvider._meta.concrete_fields]
    assert found.certificate_thumbprints == ["ab", "cd"]  # a list, not its JSON text
    assert find(IvanProvider, api_key_id="k1", active=True) is None  # inactive
    assert find(IvanProvider, api_key_id="nope") is None


def test_rows_with_their_parent_are_read_in_one_statement_as_the_orm_does():
    rows = [_notification(n) for n in (1, 2)]
    insert(rows)
    for row in rows:
        insert([DeliveryAttempt(notification=row, at=row.created_at, number=k, outcome="retry")
                for k in (1, 2)])
    with CaptureQueriesContext(connection) as queries:
        found = find_with_parent(DeliveryAttempt, "notification", ("reference", "created_at"),
                                 reference="R-2")
        parents = [attempt.notification for attempt in found]
    assert len(queries) == 1  # the parent came with its rows
    expected = list(DeliveryAttempt.objects.filter(notification__reference="R-2").order_by("pk"))
    assert [(a.pk, a.number, a.at, a.outcome) for a in found] == [
        (a.pk, a.number, a.at, a.outcome) for a in expected]
    assert {(p.pk, p.reference, p.created_at) for p in parents} == {
        (rows[1].pk, "R-2", rows[1].created_at)}
    assert bytes(parents[0].sealed_body) == bytes([0, 255, 2])  # the rest read when asked
    assert find_with_parent(DeliveryAttempt, "notification", (), reference="none") == []
