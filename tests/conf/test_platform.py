"""The platform pages and the health API, on SQLite and (with `make test`) on PostgreSQL."""

import pytest
from django.test import Client

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
    assert {"/api/v1/health", "/api/v1/health/checks"} <= set(response.json()["paths"])


def test_home_page_is_vietnamese_by_default_and_english_on_request():
    vi = Client().get("/")
    assert vi.status_code == 200
    assert "Giao dịch điện tử với Bảo hiểm xã hội Việt Nam" in vi.content.decode()
    assert '<meta charset="utf-8">' in vi.content.decode()
    en = Client(headers={"accept-language": "en"}).get("/")
    assert "Electronic transactions with Vietnam Social Security" in en.content.decode()


def test_visitors_see_nothing_of_the_platform_internals():
    page = Client().get("/").content.decode()
    assert "Tình trạng hệ thống" not in page and "data-check" not in page
    assert "Phiên bản" not in page


def test_the_worker_can_no_longer_be_pinged_by_anyone():
    # The old public button wrote a job for every visitor who pressed it.
    assert Client().post("/worker/ping/").status_code == 404
