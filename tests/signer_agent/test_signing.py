"""Signing with the user's consent in the agent's own window (real under Xvfb, typed with
xdotool): what is signed verifies with core's verifier and with xmlsec1; every bad input is a
clear error code and nothing is signed."""

from __future__ import annotations

import base64
import socket
import subprocess
from datetime import UTC, datetime

from lxml import etree

from openivan.core.xml import codec, forms
from openivan.core.xml import individual as person_form
from openivan.core.xml.envelope import UNIT_SLOT
from openivan.devpki import samples
from tests import vendor
from tests.core.test_individual_declaration import sample
from tests.signer_agent.conftest import (
    ORIGIN,
    PIN,
    UNIT2_MST,
    UNIT_MST,
    documents,
    in_background,
    unsigned,
)

SIGN = "OpenIvanSign"


def sign_in_background(agent, certificate: str, *items: bytes, **kw):
    return in_background(agent.request, "POST", "/v1/sign", json={
        "certificate": certificate, "documents": documents(*items)}, **kw)


def answer_of(outcome, timeout: float = 60):
    outcome.thread.join(timeout)
    assert not outcome.thread.is_alive(), "the agent did not answer"
    assert outcome.error is None, outcome.error
    return outcome.value


def signed_documents(answer) -> list[bytes]:
    return [base64.b64decode(r["xml"]) for r in answer.json()["results"] if r["ok"]]


def test_the_user_sees_the_document_types_the_pin_and_it_is_signed(agent, screen, verifier,
                                                                    pki, tmp_path):
    certificate = agent.certificate_id(UNIT_MST)
    outcome = sign_in_background(agent, certificate, unsigned())
    window = screen.window(SIGN)
    screen.type(window, PIN)
    screen.screenshot("signer-agent-window.png")  # what the user saw, PIN masked
    screen.key(window, "Return")
    answer = answer_of(outcome)
    assert answer.status_code == 200, answer.text
    [result] = answer.json()["results"]
    assert result["form"].startswith("04/ĐK-IVAN") and result["id_number"] == UNIT_MST
    [data] = signed_documents(answer)
    checked = verifier.verify_envelope(data, require_provider=False)
    assert checked.signatures[UNIT_SLOT].certificate.facts.tax_code == UNIT_MST
    # and with the independent xmlsec1 command
    assert vendor.xmlsec1_verifies(pki, data, tmp_path)
    assert PIN not in answer.text


def test_a_wrong_pin_is_said_in_the_window_and_nothing_is_signed(agent, screen):
    outcome = sign_in_background(agent, agent.certificate_id(UNIT_MST), unsigned())
    window = screen.window(SIGN)
    screen.type(window, "9999")
    screen.key(window, "Return")
    # The window stays open, says the PIN was wrong; the user gives up.
    screen.screenshot("signer-agent-wrong-pin.png")
    screen.key(window, "Escape")
    answer = answer_of(outcome)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["code"] == "PIN_WRONG"
    assert "lần thử còn lại" in error["message"]
    assert "xml" not in answer.text


def test_the_user_closing_the_window_cancels_and_nothing_is_signed(agent, screen):
    outcome = sign_in_background(agent, agent.certificate_id(UNIT_MST), unsigned())
    screen.close(screen.window(SIGN))
    answer = answer_of(outcome)
    assert answer.json()["error"]["code"] == "USER_CANCELLED"
    assert "results" not in answer.json()


def test_a_document_of_another_mst_is_refused_before_the_window(agent, screen):
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": agent.certificate_id(UNIT2_MST), "documents": documents(unsigned())})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "DOC_MST_MISMATCH"
    assert error["details"] == {"document": UNIT_MST, "certificate": UNIT2_MST}
    assert not screen.shown(SIGN)


def test_an_expired_certificate_is_refused_before_the_pin(agent, screen):
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": agent.certificate_id(UNIT_MST, expired=True),
        "documents": documents(unsigned())})
    assert answer.json()["error"]["code"] == "CERT_EXPIRED"
    assert not screen.shown(SIGN)


def test_a_certificate_on_no_token_is_refused(agent):
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": "AB" * 32, "documents": documents(unsigned())})
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "CERT_NOT_ON_TOKEN"


def test_no_token_at_all_is_said_so(start_agent):
    agent = start_agent()
    for each in agent.token_dir.iterdir():  # the token is unplugged
        subprocess.run(["rm", "-r", str(each)], check=True)
    assert agent.certificates() == []
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": "AB" * 32, "documents": documents(unsigned())})
    assert answer.json()["error"]["code"] == "TOKEN_ABSENT"


def test_a_token_removed_between_listing_and_signing_is_said_so(agent, screen):
    certificate = agent.certificate_id(UNIT_MST)
    for each in agent.token_dir.iterdir():
        subprocess.run(["rm", "-r", str(each)], check=True)
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": certificate, "documents": documents(unsigned())})
    assert answer.json()["error"]["code"] == "TOKEN_ABSENT"
    assert not screen.shown(SIGN)


def _unknown_form() -> bytes:
    root = etree.fromstring(unsigned())
    namespace = etree.QName(root).namespace
    tag = f"{{{namespace}}}ToKhaiLa" if namespace else "ToKhaiLa"
    return etree.tostring(etree.Element(tag))


def test_bad_documents_each_get_their_code_and_none_opens_the_window(agent, screen):
    doctype = b'<?xml version="1.0"?><!DOCTYPE Hoso SYSTEM "hoso.dtd">' + unsigned().split(
        b"?>", 1)[1]
    too_large = unsigned().replace(b"</TenDoiTuong>", b"</TenDoiTuong>" + b" " * (6 * 2**20))
    cases = {"XML_DTD_FORBIDDEN": doctype, "XML_TOO_LARGE": too_large,
             "XML_UNKNOWN_FORM": _unknown_form(), "XML_MALFORMED": b"<Hoso>"}
    certificate = agent.certificate_id(UNIT_MST)
    for code, data in cases.items():
        answer = agent.request("POST", "/v1/sign", json={
            "certificate": certificate, "documents": documents(data)})
        assert answer.status_code in (413, 422), answer.text
        assert answer.json()["error"]["code"] == code
        assert not screen.shown(SIGN)


def test_a_second_request_while_the_window_is_open_is_refused_never_mixed(agent, screen):
    certificate = agent.certificate_id(UNIT_MST)
    first = sign_in_background(agent, certificate, unsigned())
    window = screen.window(SIGN)
    second = agent.request("POST", "/v1/sign", json={
        "certificate": certificate, "documents": documents(unsigned())})
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "AGENT_BUSY"
    screen.type(window, PIN)
    screen.key(window, "Return")
    answer = answer_of(first)
    assert [r["id"] for r in answer.json()["results"]] == ["doc-0"]
    assert len(signed_documents(answer)) == 1


def individual() -> bytes:
    return codec.to_bytes(samples.individual())  # 01/ĐK-GD of a person, CCCD 001090000001


def test_a_person_signs_their_01_dk_gd_with_their_cccd_certificate(agent, screen, verifier):
    cccd = next(c["id"] for c in agent.certificates() if c["cccd"] == "001090000001")
    outcome = sign_in_background(agent, cccd, individual())
    window = screen.window(SIGN)
    screen.type(window, PIN)
    screen.key(window, "Return")
    answer = answer_of(outcome)
    [result] = answer.json()["results"]
    assert (result["form"], result["id_kind"], result["slot"]) == ("01/ĐK-GD", "CCCD", "CKy")
    [data] = signed_documents(answer)
    checked = verifier.verify_document(data)
    assert checked.signatures["CKy"].certificate.facts.ids.cccd == "001090000001"


def test_a_person_s_form_with_a_unit_certificate_is_an_id_mismatch(agent, screen):
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": agent.certificate_id(UNIT_MST), "documents": documents(individual())})
    error = answer.json()["error"]
    assert error["code"] == "DOC_ID_MISMATCH"
    assert error["details"]["document"] == "001090000001"
    assert not screen.shown(SIGN)


def test_an_agency_answer_is_not_signed_by_a_user(agent):
    answer_xml = codec.to_bytes(forms.TechnicalAck(
        "MSG-1", "00040", datetime(2026, 11, 20, 9, 0, tzinfo=UTC), "ChapNhanXuLy", []))
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": agent.certificate_id(UNIT_MST), "documents": documents(answer_xml)})
    assert answer.json()["error"]["code"] == "DOC_NOT_SIGNABLE"


def test_a_document_already_signed_in_its_slot_is_refused(agent, screen):
    certificate = agent.certificate_id(UNIT_MST)
    outcome = sign_in_background(agent, certificate, unsigned())
    window = screen.window(SIGN)
    screen.type(window, PIN)
    screen.key(window, "Return")
    [signed] = signed_documents(answer_of(outcome))
    again = agent.request("POST", "/v1/sign", json={
        "certificate": certificate, "documents": documents(signed)})
    assert again.json()["error"]["code"] == "SIG_SLOT_OCCUPIED"
    assert not screen.shown(SIGN)


def test_a_request_declared_over_the_limit_is_refused_before_it_is_read(agent):
    with socket.create_connection(("127.0.0.1", agent.port)) as connection:
        connection.sendall(
            f"POST /v1/sign HTTP/1.1\r\nHost: 127.0.0.1:{agent.port}\r\nOrigin: {ORIGIN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {2**30}\r\n\r\n".encode())
        received = b""
        while chunk := connection.recv(65536):  # the agent closes: it will not read the body
            received += chunk
    assert received.startswith(b"HTTP/1.1 413") and b"REQUEST_TOO_LARGE" in received


def test_a_window_left_unanswered_times_out_and_nothing_is_signed(start_agent, screen):
    agent = start_agent(window_timeout_seconds=2)
    outcome = sign_in_background(agent, agent.certificate_id(UNIT_MST), unsigned())
    screen.window(SIGN)
    answer = answer_of(outcome)  # nobody touches the window
    assert answer.status_code == 408
    assert answer.json()["error"]["code"] == "WINDOW_TIMEOUT"
    screen.wait_gone(SIGN)


def individual_portal(**changes: object) -> bytes:
    """The portal's own 01/ĐK-GD of a person (root DangKyGiaoDichCaNhan), CCCD 001090000001."""
    return person_form.build(sample(**changes))


def test_a_person_signs_the_portal_s_01_dk_gd_with_the_declared_cccd(agent, screen):
    cccd = next(c["id"] for c in agent.certificates() if c["cccd"] == "001090000001")
    outcome = sign_in_background(agent, cccd, individual_portal())
    window = screen.window(SIGN)
    screen.type(window, PIN)
    screen.key(window, "Return")
    answer = answer_of(outcome)
    [result] = answer.json()["results"]
    assert (result["form"], result["party"], result["id_kind"], result["slot"]) == (
        "01/ĐK-GD", "Nguyễn Văn An", "CCCD", "CKy")
    [data] = signed_documents(answer)
    checked = person_form.verify_signed(data)
    assert checked.declaration.id_number == "001090000001"


def test_the_portal_s_01_dk_gd_of_another_id_number_is_refused_before_the_window(agent, screen):
    cccd = next(c["id"] for c in agent.certificates() if c["cccd"] == "001090000001")
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": cccd, "documents": documents(individual_portal(
            id_number="001090000002"))})
    error = answer.json()["error"]
    assert error["code"] == "DOC_ID_MISMATCH"
    assert (error["details"]["document"], error["details"]["certificate"]) == (
        "001090000002", "001090000001")
    assert not screen.shown(SIGN)
