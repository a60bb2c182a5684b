"""The platform pages and the health API, on SQLite and (with `make test`) on PostgreSQL."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_reports_roles_database_and_migrations():
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["roles"] == ["agency", "provider"]
    assert body["migrations_pending"] == 0
    assert body["database"] in ("sqlite", "postgresql")


def test_health_counts_a_migration_the_database_has_not_applied():
    # Read afresh on every call, though the code's own migrations are read once.
    assert Client().get("/api/v1/health").json()["migrations_pending"] == 0
    latest = MigrationLoader(None).graph.leaf_nodes("agency")[0]  # as if the code were newer
    MigrationRecorder(connection).record_unapplied(*latest)
    assert Client().get("/api/v1/health").json()["migrations_pending"] == 1


def test_openapi_schema_is_served():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert {"/api/v1/health", "/api/v1/health/checks"} <= set(response.json()["paths"])


def test_openapi_describes_the_errors_a_provider_client_must_handle():
    schema = Client().get("/api/v1/openapi.json").json()
    intake = schema["paths"]["/api/v1/dossiers"]["post"]["responses"]
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for status in ("401", "413", "415", "422", "429", "503"):
        assert intake[status]["content"]["application/json"]["schema"] == error_ref, status
    answer = schema["paths"]["/api/v1/dossiers/{number}/answers/{kind}.xml"]["get"]
    assert "application/xml" in answer["responses"]["200"]["content"]
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"code", "message", "message_en", "details"}
    # What the API answers has that shape.
    refused = Client().get("/api/v1/dossiers/BHXH-1",
                           headers={"authorization": "Bearer sai"}).json()
    assert set(error["required"]) <= set(refused) <= set(error["properties"])


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
