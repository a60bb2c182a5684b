"""Who may call the agent: only origins the user (or the administrator) approved, by the exact
Origin header; preflights answered as browsers require; never a wildcard."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.signer_agent.conftest import ORIGIN, UNIT_MST, documents, unsigned

STRANGER = "https://not-approved.test"


def test_a_preapproved_origin_lists_both_units_certificates_with_their_mst(agent):
    listing = agent.certificates()
    by_mst = {c["tax_code"]: c for c in listing if c["tax_code"] and not c["expired"]}
    assert set(by_mst) == {UNIT_MST, "0100047516"}
    unit = by_mst[UNIT_MST]
    assert unit["common_name"] == "CÔNG TY TNHH GIẢI PHÁP MỞ"
    assert unit["serial"] and unit["issuer"] and unit["not_after"]
    assert unit["token"]["label"] == "agent-test"
    assert any(c["expired"] for c in listing)  # the expired one is listed, marked
    assert [c["cccd"] for c in listing if c["cccd"]] == ["001090000001"]


def test_an_origin_never_approved_is_refused_without_a_window(agent, screen):
    answer = agent.request("POST", "/v1/sign", origin=STRANGER, json={
        "certificate": "00", "documents": documents(unsigned())})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "ORIGIN_NOT_APPROVED"
    assert answer.headers["Access-Control-Allow-Origin"] == STRANGER  # so the page can read it
    assert agent.request("GET", "/v1/certificates", origin=STRANGER).status_code == 403
    assert not screen.shown("OpenIvanSign") and not screen.shown("OpenIvanApprove")


def test_a_request_without_an_origin_header_is_refused(agent):
    answer = agent.request("GET", "/v1/certificates", origin=None)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "ORIGIN_MISSING"
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_an_origin_that_is_not_one_a_browser_sends_is_refused(agent):
    for origin in ("null", "*", "https://ivan.test/path", "file://"):
        answer = agent.request("GET", "/v1/certificates", origin=origin)
        assert answer.json()["error"]["code"] in {"ORIGIN_INVALID", "ORIGIN_MISSING"}, origin


def test_a_lookalike_of_an_approved_origin_is_not_approved(agent):
    for origin in ("http://ivan.test", "https://ivan.test:444", "https://ivan.test.evil.vn",
                   "https://IVAN.test"):
        assert agent.request("GET", "/v1/certificates", origin=origin).status_code == 403


def test_a_preflight_echoes_the_one_origin_and_allows_local_network_access(agent):
    answer = agent.request("OPTIONS", "/v1/sign", origin=STRANGER, headers={
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
        "Access-Control-Request-Private-Network": "true",
        "Access-Control-Request-Local-Network": "true"})
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == STRANGER
    assert answer.headers["Access-Control-Allow-Private-Network"] == "true"
    assert answer.headers["Access-Control-Allow-Local-Network"] == "true"
    assert "Origin" in answer.headers["Vary"]


def test_a_request_naming_another_host_is_refused_against_dns_rebinding(agent):
    answer = agent.request("GET", "/v1/certificates", headers={"Host": f"evil.vn:{agent.port}"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "REQUEST_INVALID"


def test_the_agent_listens_on_loopback_only_and_falls_back_to_the_next_port(start_agent):
    from tests.processes import free_port

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    first = taken.getsockname()[1]
    fallback = free_port()
    try:
        agent = start_agent(ports=[first, fallback])
        assert agent.port == fallback
        status = agent.request("GET", "/v1/status").json()
        assert status["agent"] == "openivan-signer" and status["approved"] is True
    finally:
        taken.close()
    listening = [line for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[1].endswith(f":{fallback:04X}") and line.split()[3] == "0A"]
    assert listening and all(line.split()[1].startswith("0100007F:") for line in listening)


def test_status_tells_a_page_whether_it_is_approved(agent):
    assert agent.request("GET", "/v1/status", origin="https://other.test").json()[
        "approved"] is False
    assert agent.request("GET", "/v1/status", origin=ORIGIN).json()["approved"] is True
