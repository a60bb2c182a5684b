"""The provider's client of the agency's intake API, against the real agency on a live server."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from contextlib import closing
from http.server import BaseHTTPRequestHandler

import pytest

from openivan.core.agency_client import AgencyClient, is_retryable
from openivan.core.errors import OpenIvanError
from openivan.devpki import DevPKI
from tests.agency.conftest import ProviderClient, agency, envelope, provider  # noqa: F401
from tests.misbehaving import misbehaving_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server, provider: ProviderClient, pki: DevPKI) -> Iterator[AgencyClient]:  # noqa: F811
    made = AgencyClient(live_server.url, provider.api_key,
                        [pki.pkcs12_key("agency").certificate], timeout=10)
    yield made
    made.close()


def test_a_dossier_sent_twice_is_received_once_with_the_agencys_signed_answers(
        client: AgencyClient, envelope) -> None:  # noqa: F811
    body = envelope()
    first = client.submit(body, "giao-dich-1")
    assert first.created and first.number
    assert {a.kind for a in first.answers} == {"technical", "reception"}
    for answer in first.answers:  # the bytes as the agency signed them, checked again here
        assert client.check_answer(answer.signed_xml) == answer.signed_at
        assert answer.signed_at is not None
    again = client.submit(body, "giao-dich-1")
    assert not again.created and again.number == first.number
    assert [a.signed_xml for a in again.answers] == [a.signed_xml for a in first.answers]
    assert client.dossier(first.number).number == first.number


def test_the_processing_steps_come_back_in_order(client: AgencyClient, envelope) -> None:  # noqa: F811
    number = client.submit(envelope(), "giao-dich-2").number
    steps = client.steps(number)
    assert steps and [s.at for s in steps] == sorted(s.at for s in steps)
    assert all(s.code and s.description for s in steps)


def test_an_answer_signed_by_another_certificate_is_not_believed(
        live_server, provider: ProviderClient, pki: DevPKI, envelope) -> None:  # noqa: F811
    pinned_wrong = AgencyClient(live_server.url, provider.api_key,
                                [pki.pkcs12_key("unit").certificate], timeout=10)
    # Closed after: a kept-alive connection would hold the live server's database session.
    with closing(pinned_wrong), pytest.raises(OpenIvanError) as refused:
        pinned_wrong.submit(envelope(), "giao-dich-3")
    assert refused.value.code == "AGENCY_ANSWER_UNTRUSTED"


def test_a_refused_dossier_carries_the_agencys_code_and_its_signed_refusal(
        client: AgencyClient) -> None:
    with pytest.raises(OpenIvanError) as refused:
        client.submit(b"<Hoso><NoiDung>", "giao-dich-4")
    error = refused.value
    assert error.code == "AGENCY_REFUSED" and not is_retryable(error)
    assert error.details["agency_code"] == "XML_MALFORMED" and error.details["status"] == 422
    client.check_answer(error.attachments["technical_answer_xml"])  # the agency's own
    assert b"TuChoi" in error.attachments["technical_answer_xml"]


def test_a_dossier_of_another_provider_is_not_found(client: AgencyClient) -> None:
    with pytest.raises(OpenIvanError) as refused:
        client.dossier("00000000000000000000")
    assert refused.value.details["agency_code"] == "DOSSIER_NOT_FOUND"


def test_an_agency_that_cannot_be_reached_is_worth_trying_again(pki: DevPKI) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    client = AgencyClient(f"http://127.0.0.1:{port}", "key",
                          [pki.pkcs12_key("agency").certificate], timeout=5)
    with pytest.raises(OpenIvanError) as failed:
        client.submit(b"<Hoso/>", "giao-dich-5")
    assert failed.value.code == "AGENCY_UNREACHABLE" and is_retryable(failed.value)


def _answering(status: int, body: dict[str, object]):  # type: ignore[no-untyped-def]
    def answer(handler: BaseHTTPRequestHandler) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
    return answer


def test_a_busy_agency_is_worth_trying_again(pki: DevPKI) -> None:
    busy = _answering(503, {"code": "DATABASE_UNAVAILABLE", "message": "bận"})
    with misbehaving_server(busy) as url:
        client = AgencyClient(url, "key", [pki.pkcs12_key("agency").certificate], timeout=5)
        with pytest.raises(OpenIvanError) as failed:
            client.submit(b"<Hoso/>", "giao-dich-6")
    assert is_retryable(failed.value)
    assert failed.value.details["agency_code"] == "DATABASE_UNAVAILABLE"


def test_an_answer_changed_on_the_way_is_refused(client: AgencyClient, envelope,  # noqa: F811
                                                   pki: DevPKI) -> None:
    reception = client.submit(envelope(), "giao-dich-7")
    genuine = reception.answers[0].signed_xml
    forged = genuine.replace(b"ChapNhanXuLy", b"TuChoiXuLy_").replace(b"DaTiepNhan", b"TuChoiNhan")
    assert forged != genuine
    body = {"number": reception.number, "status": "accepted",
            "received_at": reception.received_at.isoformat(),
            "decision_deadline": reception.decision_deadline.isoformat(),
            "answers": [{"kind": "technical", "result": "ChapNhanXuLy", "data": {},
                         "xml_base64": base64.b64encode(forged).decode()}]}
    with misbehaving_server(_answering(201, body)) as url:
        between = AgencyClient(url, "key", [pki.pkcs12_key("agency").certificate], timeout=5)
        with pytest.raises(OpenIvanError) as refused:
            between.submit(b"<Hoso/>", "giao-dich-7")
    assert refused.value.code.startswith("SIG_")
