"""Ký từ xa (HSM / CSC): a person's 01/ĐK-GD signed by the CSC test service (the dev PKI's
keys behind an account and password), outside the request, then received and processed as any
signed declaration; refusals shown with their codes, nothing half-written."""

from __future__ import annotations

import socket

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from openivan.core.signers.csc import CscAccount
from openivan.core.xml import individual
from openivan.platform import sealing
from openivan.platform.models import AuditEvent
from openivan.portal.models import Declaration, DeclarationStatus, JobStatus, RemoteSigning
from openivan.portal.services import remote_signing
from tests.conftest import CSC_ACCOUNT, CSC_PASSWORD, run_worker
from tests.platform.test_sealing import rotate
from tests.portal.conftest import declared, person_form, record_of

pytestmark = pytest.mark.django_db(transaction=True)
REMOTE = "/ca-nhan/dang-ky/ky-tu-xa/"


def confirmed(client: Client) -> None:
    """The form filled and the certificate path chosen with a remote signing service."""
    assert client.post("/ca-nhan/dang-ky/", person_form()).status_code == 302
    chosen = client.post("/ca-nhan/dang-ky/xac-nhan/", {"filing": "ChungThuSo", "signer": "csc"})
    assert chosen.status_code == 302 and chosen["Location"] == REMOTE


def fetched(client: Client, url: str, password: str = CSC_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(REMOTE, {"action": "fetch", "url": url, "account": CSC_ACCOUNT,
                                "password": password})


def row_of(response) -> RemoteSigning:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.content
    return RemoteSigning.objects.get(token=response["Location"].rstrip("/").rsplit("/", 1)[1])


def test_a_declaration_signed_remotely_is_received_and_accepted(portal, mailserver, smsc,
                                                                csc_server):
    record_of()
    client = Client()
    confirmed(client)
    listing = fetched(client, csc_server)
    assert listing.status_code == 200
    text = listing.content.decode()
    assert CSC_PASSWORD not in text  # never sent back to the browser
    assert 'value="vn/person-cccd"' in text  # the declared person's: offered
    assert 'value="vn/person-cmnd"' not in text  # another person's: listed as refused
    assert "CERT_PERSON_MISMATCH" in text and "CERT_NO_PERSON_ID" in text
    # The person's own revoked and expired certificates: refused before anything is signed.
    assert 'value="vn/person-cccd-revoked"' not in text and "CERT_REVOKED" in text
    assert 'value="vn/person-cccd-expired"' not in text and "CERT_EXPIRED" in text

    row = row_of(client.post(REMOTE, {"action": "sign", "credential": "vn/person-cccd"}))
    waiting = client.get(f"{REMOTE}{row.token}/")
    assert "Đang chờ ký" in waiting.content.decode()
    assert bytes(row.sealed_password) and CSC_PASSWORD.encode() not in bytes(row.sealed_password)

    run_worker()  # the remote signing, then the automatic processing

    row.refresh_from_db()
    assert row.status == JobStatus.DONE and bytes(row.sealed_password) == b""
    declaration = Declaration.objects.get(pk=row.declaration_id)
    assert declaration.status == DeclarationStatus.ACCEPTED
    assert get_user_model().objects.filter(username="0123456789").exists()
    box = client.get(f"{REMOTE}{row.token}/trang-thai/")
    assert box["HX-Redirect"] == f"/ca-nhan/tra-cuu/{declaration.reference}/"
    page = client.get(f"{REMOTE}{row.token}/")
    assert page.status_code == 302 and page["Location"] == box["HX-Redirect"]
    assert set(AuditEvent.objects.filter(action__startswith="portal.remote_signing")
               .values_list("action", flat=True)) == {"portal.remote_signing.requested",
                                                      "portal.remote_signing.signed"}


def test_a_wrong_password_is_refused_before_anything_is_stored(portal, csc_server):
    client = Client()
    confirmed(client)
    listing = fetched(client, csc_server, password="sai-mat-khau")
    assert listing.status_code == 422 and "CSC_AUTH_FAILED" in listing.content.decode()
    signing = client.post(REMOTE, {"action": "sign", "credential": "vn/person-cccd"})
    assert signing.status_code == 422 and "PORTAL_REMOTE_ACCOUNT_CLOSED" in signing.content.decode()
    assert not RemoteSigning.objects.exists()


def test_a_service_the_agency_does_not_name_is_never_called(portal, csc_server):
    portal.OPENIVAN_PORTAL_CSC_HOSTS = ["ky-so.example.vn"]
    client = Client()
    confirmed(client)
    listing = fetched(client, csc_server)
    assert listing.status_code == 422  # the form again, with the reason beside the address
    assert "không nằm trong danh sách cơ quan BHXH chấp nhận" in listing.content.decode()
    assert not RemoteSigning.objects.exists()


def test_a_password_the_service_refuses_fails_the_signing_with_its_code(portal, csc_server):
    row = remote_signing.request(declared(), CscAccount(
        csc_server, CSC_ACCOUNT, "doi-mat-khau-roi"), "vn/person-cccd")

    run_worker()

    row.refresh_from_db()
    assert (row.status, row.error_code) == (JobStatus.FAILED, "CSC_AUTH_FAILED")
    assert bytes(row.sealed_password) == b"" and row.attempts == 1  # not retried
    assert not Declaration.objects.exists()
    page = Client().get(f"{REMOTE}{row.token}/").content.decode()
    assert "Không ký được" in page and "(CSC_AUTH_FAILED)" in page


def test_a_certificate_of_another_person_is_not_used_to_sign(portal, csc_server):
    row = remote_signing.request(declared(), CscAccount(
        csc_server, CSC_ACCOUNT, CSC_PASSWORD), "vn/person-cmnd")

    run_worker()

    row.refresh_from_db()
    assert (row.status, row.error_code) == (JobStatus.FAILED, "CERT_PERSON_MISMATCH")
    assert "012345678" in row.error["vi"] and not Declaration.objects.exists()


def test_an_unreachable_service_is_tried_again_then_failed(portal, settings):
    settings.OPENIVAN_PORTAL_JOB_MAX_ATTEMPTS = 2
    settings.OPENIVAN_PORTAL_JOB_RETRY_SECONDS = 0
    settings.OPENIVAN_PORTAL_JOB_RETRY_MAX_SECONDS = 0
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    row = remote_signing.request(declared(), CscAccount(
        url, CSC_ACCOUNT, CSC_PASSWORD), "vn/person-cccd")

    run_worker()

    row.refresh_from_db()
    assert (row.status, row.error_code, row.attempts) == (JobStatus.FAILED, "CSC_UNAVAILABLE", 2)
    assert bytes(row.sealed_password) == b"" and not Declaration.objects.exists()


def test_an_unknown_signing_page_is_not_found(client) -> None:
    assert client.get(f"{REMOTE}khong-co/").status_code == 404


def test_a_second_click_on_sign_waits_for_one_signature(portal, csc_server):
    client = Client()
    confirmed(client)
    assert fetched(client, csc_server).status_code == 200
    first = row_of(client.post(REMOTE, {"action": "sign", "credential": "vn/person-cccd"}))
    service = CscAccount(csc_server, CSC_ACCOUNT, CSC_PASSWORD)
    again = remote_signing.request(declared(declared_on=first_declared_on(first)), service,
                                   "vn/person-cccd")
    assert again.pk == first.pk and RemoteSigning.objects.count() == 1


def first_declared_on(row: RemoteSigning):  # type: ignore[no-untyped-def]
    return individual.read(bytes(row.document)).declared_on


def test_a_waiting_password_moves_to_a_new_data_key(portal, settings, csc_server):
    row = remote_signing.request(declared(), CscAccount(
        csc_server, CSC_ACCOUNT, CSC_PASSWORD), "vn/person-cccd")
    before = bytes(row.sealed_password)
    rotate(settings)

    moved, unreadable = remote_signing.reseal_passwords("test")

    row.refresh_from_db()
    assert (moved, unreadable) == (1, []) and bytes(row.sealed_password) != before
    settings.OPENIVAN_DATA_KEY_FALLBACKS = []
    assert sealing.unseal(bytes(row.sealed_password)) == CSC_PASSWORD
