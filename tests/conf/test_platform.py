"""The platform pages and the worker, on SQLite and (with `make test`) on PostgreSQL."""

import pytest
from django.core.management import call_command
from django.test import Client

from openivan.conf import services

pytestmark = pytest.mark.django_db


def test_health_reports_roles_database_and_migrations():
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["roles"] == ["agency", "provider"]
    assert body["migrations_pending"] == 0
    assert body["database"] in ("sqlite", "postgresql")


def test_openapi_schema_is_served():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/health" in response.json()["paths"]


def test_status_page_is_vietnamese_by_default_and_english_on_request():
    vi = Client().get("/")
    assert vi.status_code == 200
    assert "Tình trạng hệ thống" in vi.content.decode()
    assert '<meta charset="utf-8">' in vi.content.decode()
    en = Client(headers={"accept-language": "en"}).get("/")
    assert "Platform status" in en.content.decode()


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection
def test_worker_answers_a_ping_enqueued_from_the_status_page():
    client = Client()
    assert client.post("/worker/ping/").status_code == 302
    status = services.worker_status()
    assert status.last_ping_sent is not None and not status.alive and status.waiting == 1
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    status = services.worker_status()
    assert status.alive and status.waiting == 0
    assert "đang hoạt động" in client.get("/").content.decode()


def test_ping_needs_a_post():
    assert Client().get("/worker/ping/").status_code == 405
