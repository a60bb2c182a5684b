"""The revocation evidence kept with each dossier: OCSP answers in the dossier, CRLs stored
once however many dossiers they prove, and every piece readable back byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509 import ocsp
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openivan.agency import trust
from openivan.agency.models import Dossier, RevocationList
from openivan.agency.services import evidence
from tests.staff import sign_in_staff

pytestmark = pytest.mark.django_db
REFERENCE_SIZE = 4 + 32  # the marker and a SHA-256


def sent(provider, envelope, count: int) -> list[Dossier]:  # type: ignore[no-untyped-def]
    numbers = []
    for _ in range(count):
        response = provider.post(envelope())
        assert response.status_code == 201, response.content
        numbers.append(response.json()["number"])
    return [Dossier.objects.get(number=number) for number in numbers]


def kind_of(piece: bytes) -> str:
    try:
        ocsp.load_der_ocsp_response(piece)
        return "ocsp"
    except ValueError:
        x509.load_der_x509_crl(piece)
        return "crl"


def test_the_roots_crl_is_stored_once_for_every_dossier_it_proves(provider, envelope, pki):
    dossiers = sent(provider, envelope, 3)
    (root_crl,) = RevocationList.objects.all()
    crl = bytes(root_crl.der)
    assert x509.load_der_x509_crl(crl).issuer == pki.certificate("root").subject
    assert "/crls/root/" in root_crl.url
    for dossier in dossiers:
        # Each signer's certificate answered by OCSP, its CA by the root's CRL.
        pieces = evidence.pieces(dossier)
        assert [kind_of(piece) for piece in pieces] == ["ocsp", "crl", "ocsp", "crl"]
        assert pieces[1] == pieces[3] == crl
        blob = bytes(dossier.revocation_evidence)
        assert crl not in blob
        assert len(blob) == sum(len(p) + 4 for p in pieces[0::2]) + 2 * REFERENCE_SIZE


def test_while_ocsp_is_down_the_cas_crl_proves_every_signer_and_is_stored_once(
        provider, envelope, pki_outage):
    pki_outage.ocsp_up = False
    trust.reset()  # a verifier started during the outage: no OCSP answer cached
    dossiers = sent(provider, envelope, 2)
    assert RevocationList.objects.count() == 2  # the CA's CRL and the root's
    stored = {bytes(row.der) for row in RevocationList.objects.all()}
    for dossier in dossiers:
        sources = [entry["source"] for slot in ("CKy_Dvi", "CKy_IVAN")
                   for entry in dossier.verification[slot]["revocation"]]
        assert sources == ["crl"] * 4
        # The attached declaration's Cky, signed with the unit's certificate: the same CRLs.
        attached = dossier.verification["FileToKhai[1]/Cky"]["revocation"]
        assert attached == dossier.verification["CKy_Dvi"]["revocation"]
        pieces = evidence.pieces(dossier)
        assert set(pieces) == stored and len(pieces) == 4
        assert len(bytes(dossier.revocation_evidence)) == 4 * REFERENCE_SIZE


@pytest.mark.django_db(transaction=True)
def test_a_dossier_that_failed_after_its_crl_was_written_leaves_no_reference_behind(
        provider, envelope, settings, officer):
    # The answers are signed after the evidence is written, in the same transaction: without
    # the agency's key the whole intake rolls back, CRL row included. The next dossier must
    # store the CRL again rather than refer to the row that was never committed.
    key_file = Path(settings.OPENIVAN_AGENCY_P12)
    moved = key_file.rename(key_file.with_suffix(".away"))
    assert provider.post(envelope()).status_code == 503
    assert not RevocationList.objects.exists()
    moved.rename(key_file)
    (dossier,) = sent(provider, envelope, 1)
    assert [kind_of(piece) for piece in evidence.pieces(dossier)] == ["ocsp", "crl"] * 2
    archive = officer.get(f"/co-quan/ho-so/{dossier.number}/luu-tru.zip")
    assert archive.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_once_a_crl_is_stored_the_intake_makes_no_statement_for_it(provider, envelope):
    sent(provider, envelope, 1)
    table = RevocationList._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        (dossier,) = sent(provider, envelope, 1)
    assert not [q for q in queries.captured_queries if table in q["sql"]]
    assert len(evidence.pieces(dossier)) == 4


@pytest.mark.django_db(transaction=True)
def test_past_its_bound_the_process_forgets_older_crl_digests_and_loses_nothing(
        provider, envelope, monkeypatch):
    earlier = {"a" * 64, "b" * 64}  # CRLs of earlier days, committed before
    monkeypatch.setattr(evidence, "STORED_DIGESTS_KEPT", len(earlier))
    monkeypatch.setattr(evidence, "_stored", set(earlier))
    (dossier,) = sent(provider, envelope, 1)
    assert evidence._stored == set(RevocationList.objects.values_list("sha256", flat=True))
    assert len(evidence.pieces(dossier)) == 4


def test_a_dossier_whose_crl_row_was_lost_is_not_read_as_if_it_had_none(provider, envelope):
    (dossier,) = sent(provider, envelope, 1)
    RevocationList.objects.all().delete()  # e.g. a partial restore
    with pytest.raises(LookupError, match=dossier.number):
        evidence.pieces(dossier)


def test_the_admin_cannot_delete_a_dossier_or_change_its_crls(provider, envelope):
    (dossier,) = sent(provider, envelope, 1)
    crl = RevocationList.objects.get()
    root = get_user_model().objects.create_superuser("quantri", "qt@bhxh.gov.vn", "x")
    client = Client()
    sign_in_staff(client, root)
    listing = client.get("/admin/agency/revocationlist/")
    assert listing.status_code == 200 and crl.url in listing.content.decode()
    page = client.get(f"/admin/agency/revocationlist/{crl.pk}/change/").content.decode()
    assert crl.sha256 in page and 'name="url"' not in page
    assert client.post(f"/admin/agency/revocationlist/{crl.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert RevocationList.objects.filter(pk=crl.pk).exists()
    assert client.post(f"/admin/agency/dossier/{dossier.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert client.post("/admin/agency/dossier/", {"action": "delete_selected", "post": "yes",
                                                 "_selected_action": [dossier.pk]}
                       ).status_code in (200, 302)
    assert Dossier.objects.filter(pk=dossier.pk).exists()
