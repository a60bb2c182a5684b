"""Data migrations of the agency's tables, run forward over rows written before them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from openivan.agency.models import Dossier, ReviewReason, RevocationList, UnitRegistration
from openivan.agency.services import evidence

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def before(migration: tuple[str, str]) -> Iterator[Apps]:
    """The models as they were before `migration`; the schema back at the latest after."""
    executor = MigrationExecutor(connection)
    executor.migrate([migration])
    try:
        yield executor.loader.project_state([migration]).apps
    finally:
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())


def old_dossier(old: Apps, **fields: Any) -> Any:
    provider = old.get_model("agency", "IvanProvider").objects.create(
        code="00040", name="I-VAN MỞ", tax_code="0100109106", api_key_id="k",
        api_key_hash="0" * 64)
    moment = datetime(2026, 11, 2, 3, tzinfo=UTC)
    return old.get_model("agency", "Dossier").objects.create(
        number="BHXH-20261102-000001", provider=provider, message_id="M1",
        content_sha256="1" * 64, form_code="04/ĐK-IVAN", unit_tax_code="0101300842",
        unit_name="CÔNG TY TNHH GIẢI PHÁP MỞ", email="a@b.vn", received_at=moment,
        decision_deadline=moment, signed_bytes=b"<Hoso/>",
        **{"verification": {}, "revocation_evidence": b"", **fields})


def test_rows_received_before_search_keys_existed_are_found_by_the_search_too():
    with before(("agency", "0002_activation_decisions_registry")) as old:
        dossier = old_dossier(old)
        old.get_model("agency", "UnitRegistration").objects.create(
            tax_code="0101300842", name="Công ty TNHH Giải pháp Mở", email="a@b.vn",
            provider=dossier.provider, since=date(2026, 11, 2), dossier=dossier)
        MigrationExecutor(connection).migrate([("agency", "0003_search_keys")])
        assert Dossier.objects.get().unit_name_key == "cong ty tnhh giai phap mo"
        assert UnitRegistration.objects.get().name_key == "cong ty tnhh giai phap mo"


def test_a_review_reason_written_as_a_sentence_reads_in_the_officers_language():
    with before(("agency", "0004_console_indexes")) as old:
        old_dossier(old, status="needs_review", review_reason="đơn vị chưa có mã đơn vị BHXH")
        MigrationExecutor(connection).migrate([("agency", "0005_review_reason_codes")])
        dossier = Dossier.objects.get()
        assert dossier.review_reason == ReviewReason.NO_UNIT_CODE
        with translation.override("en"):
            assert dossier.get_review_reason_display() == "the unit has no BHXH unit code yet"
        with translation.override("vi"):
            assert dossier.get_review_reason_display() == "đơn vị chưa có mã đơn vị BHXH"


def test_certificates_registered_before_have_rows_known_by_their_thumbprint():
    with before(("agency", "0005_review_reason_codes")) as old:
        old.get_model("agency", "IvanProvider").objects.create(
            code="00040", name="I-VAN MỞ", tax_code="0100109106", api_key_id="k",
            api_key_hash="0" * 64, certificate_thumbprints=["A" * 64, "B" * 64])
        target = ("agency", "0006_provider_certificates")
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        then = executor.loader.project_state([target]).apps  # the models as 0006 left them
        provider = then.get_model("agency", "IvanProvider").objects.get()
        rows = list(then.get_model("agency", "ProviderCertificate").objects.order_by("id")
                    .values_list("thumbprint", "valid_to", "added_at"))
        assert rows == [("A" * 64, None, provider.created_at),
                        ("B" * 64, None, provider.created_at)]


def a_crl() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    return (x509.CertificateRevocationListBuilder()
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Root CA")]))
            .last_update(now).next_update(now + timedelta(days=7))
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))


def test_crls_each_dossier_held_before_are_stored_once_and_read_the_same():
    crl, unit_ocsp, provider_ocsp = a_crl(), b"unit's OCSP answer", b"provider's OCSP answer"
    pieces = [unit_ocsp, crl, provider_ocsp, crl]
    inline = b"".join(len(piece).to_bytes(4, "big") + piece for piece in pieces)
    record = {slot: {"revocation": [{"source": "ocsp", "ref": "ocsp:http://ca.vn/ocsp"},
                                    {"source": "crl", "ref": "crl:http://ca.vn/root.crl#7"}]}
              for slot in ("CKy_IVAN", "CKy_Dvi")}  # as PostgreSQL's jsonb orders them
    back = ("agency", "0007_previous_api_key")
    with before(back) as old:
        old_dossier(old, verification=record, revocation_evidence=inline)
        MigrationExecutor(connection).migrate([("agency", "0008_shared_revocation_lists")])
        (stored,) = RevocationList.objects.all()
        assert bytes(stored.der) == crl and stored.url == "http://ca.vn/root.crl#7"
        dossier = Dossier.objects.get()
        assert evidence.pieces(dossier) == pieces
        assert len(bytes(dossier.revocation_evidence)) == len(inline) - 2 * (len(crl) - 32)
        executor = MigrationExecutor(connection)
        executor.migrate([back])  # and back: the CRLs return into the dossier
        then = executor.loader.project_state([back]).apps
        assert bytes(then.get_model("agency", "Dossier").objects.get().revocation_evidence
                     ) == inline
