"""Data migrations of the agency's tables, run forward over rows written before them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from openivan.agency.models import Dossier, UnitRegistration

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = ("agency", "0002_activation_decisions_registry")
AFTER = ("agency", "0003_search_keys")


def test_rows_received_before_search_keys_existed_are_found_by_the_search_too():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old = executor.loader.project_state([BEFORE]).apps
        provider = old.get_model("agency", "IvanProvider").objects.create(
            code="00040", name="I-VAN MỞ", tax_code="0100109106", api_key_id="k",
            api_key_hash="0" * 64)
        moment = datetime(2026, 11, 2, 3, tzinfo=UTC)
        dossier = old.get_model("agency", "Dossier").objects.create(
            number="BHXH-20261102-000001", provider=provider, message_id="M1",
            content_sha256="1" * 64, form_code="04/ĐK-IVAN", unit_tax_code="0101300842",
            unit_name="CÔNG TY TNHH GIẢI PHÁP MỞ", email="a@b.vn", received_at=moment,
            decision_deadline=moment, signed_bytes=b"<Hoso/>", verification={},
            revocation_evidence=b"")
        old.get_model("agency", "UnitRegistration").objects.create(
            tax_code="0101300842", name="Công ty TNHH Giải pháp Mở", email="a@b.vn",
            provider=provider, since=date(2026, 11, 2), dossier=dossier)
        MigrationExecutor(connection).migrate([AFTER])
        assert Dossier.objects.get().unit_name_key == "cong ty tnhh giai phap mo"
        assert UnitRegistration.objects.get().name_key == "cong ty tnhh giai phap mo"
    finally:
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())
