"""Pairing an origin in the agent's window (with the code the page shows), withdrawing it; a
batch approved once with one PIN; the token logged out when the session ends."""

from __future__ import annotations

import time

from tests.signer_agent.conftest import PIN, UNIT2_MST, UNIT_MST, documents, unsigned
from tests.signer_agent.test_signing import SIGN, answer_of, sign_in_background, signed_documents

PAGE = "http://127.0.0.1:8765"  # an origin only the user can approve
APPROVE = "OpenIvanApprove"


def pair(agent, screen):
    started = agent.request("POST", "/v1/pair", origin=PAGE).json()
    assert started["state"] == "pending" and len(started["code"].replace(" ", "")) == 6
    window = screen.window(APPROVE)
    return started, window


def test_the_user_approves_an_origin_in_the_window_then_may_withdraw_it(agent, screen):
    assert agent.request("GET", "/v1/certificates", origin=PAGE).status_code == 403
    started, window = pair(agent, screen)
    screen.screenshot("signer-agent-pairing.png")
    screen.key(window, "Tab")  # from "Từ chối", which has the focus, to "Cho phép"
    screen.key(window, "Return")
    state = agent.request("GET", f"/v1/pair/{started['pairing']}", origin=PAGE).json()
    assert state == {"state": "approved"}
    assert agent.request("GET", "/v1/certificates", origin=PAGE).status_code == 200
    assert PAGE in agent.cli("approvals", "list").stdout
    # Withdrawn by the user with the agent's command: refused at once, the agent still running.
    assert agent.cli("approvals", "revoke", PAGE).returncode == 0
    answer = agent.request("GET", "/v1/certificates", origin=PAGE)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "ORIGIN_NOT_APPROVED"


def test_a_refused_pairing_leaves_the_origin_unapproved_and_quiet_for_a_while(agent, screen):
    started, window = pair(agent, screen)
    screen.key(window, "Return")  # an Enter typed for the page as the window comes up refuses
    answer = agent.request("GET", f"/v1/pair/{started['pairing']}", origin=PAGE)
    assert answer.json()["error"]["code"] == "PAIRING_REFUSED"
    assert agent.request("GET", "/v1/certificates", origin=PAGE).status_code == 403
    # Asking again at once is refused without pushing the window up again.
    screen.wait_gone(APPROVE)
    again = agent.request("POST", "/v1/pair", origin=PAGE)
    assert again.json()["error"]["code"] == "PAIRING_REFUSED"
    assert not screen.shown(APPROVE)


def test_another_origin_cannot_read_or_answer_a_pairing(agent, screen):
    started, window = pair(agent, screen)
    answer = agent.request("GET", f"/v1/pair/{started['pairing']}", origin="https://x.test")
    assert answer.json()["error"]["code"] == "PAIRING_UNKNOWN"
    screen.key(window, "Escape")
    screen.wait_gone(APPROVE)


def test_a_page_withdraws_its_own_approval(agent, screen):
    started, window = pair(agent, screen)
    screen.key(window, "Tab")
    screen.key(window, "Return")
    agent.request("GET", f"/v1/pair/{started['pairing']}", origin=PAGE)
    assert agent.request("DELETE", "/v1/approval", origin=PAGE).json() == {"state": "withdrawn"}
    assert agent.request("GET", "/v1/certificates", origin=PAGE).status_code == 403


def test_a_batch_is_listed_approved_once_and_each_document_has_its_result(agent, screen,
                                                                          verifier):
    certificate = agent.certificate_id(UNIT_MST)
    items = [unsigned() for _ in range(5)] + [unsigned(UNIT2_MST)]
    outcome = sign_in_background(agent, certificate, *items)
    window = screen.window(SIGN)
    screen.type(window, PIN)
    screen.screenshot("signer-agent-batch.png")
    screen.key(window, "Return")
    answer = answer_of(outcome)
    results = answer.json()["results"]
    assert [r["id"] for r in results] == [f"doc-{n}" for n in range(6)]
    assert [r["ok"] for r in results] == [True] * 5 + [False]
    assert results[5]["error"]["code"] == "DOC_MST_MISMATCH"
    for data in signed_documents(answer):
        verifier.verify_envelope(data, require_provider=False)


def test_within_the_session_the_window_asks_no_pin_and_after_it_the_token_is_logged_out(
        start_agent, screen):
    agent = start_agent(session_minutes=0.15)  # nine seconds: enough for two signings
    certificate = agent.certificate_id(UNIT_MST)
    outcome = sign_in_background(agent, certificate, unsigned())
    window = screen.window(SIGN)
    screen.type(window, PIN)
    screen.key(window, "Return")
    assert len(signed_documents(answer_of(outcome))) == 1
    assert any(c["session_open"] for c in agent.certificates())
    # The next signing still shows the window, without a PIN field: Return signs.
    outcome = sign_in_background(agent, certificate, unsigned())
    screen.key(screen.window(SIGN), "Return")
    assert len(signed_documents(answer_of(outcome))) == 1
    deadline = time.monotonic() + 30
    while any(c["session_open"] for c in agent.certificates()):
        assert time.monotonic() < deadline, "the token was never logged out"
    # Logged out: the PIN is asked again.
    outcome = sign_in_background(agent, certificate, unsigned())
    window = screen.window(SIGN)
    screen.key(window, "Return")  # an empty PIN is not sent to the token
    screen.type(window, PIN)
    screen.key(window, "Return")
    assert len(signed_documents(answer_of(outcome))) == 1


def test_without_a_display_nothing_is_signed(start_agent):
    agent = start_agent(with_display=False)
    answer = agent.request("POST", "/v1/sign", json={
        "certificate": agent.certificate_id(UNIT_MST), "documents": documents(unsigned())})
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "AGENT_NO_WINDOW"


def test_a_session_ending_while_the_window_is_open_asks_the_pin_in_it(start_agent, screen):
    agent = start_agent(session_minutes=0.15)
    certificate = agent.certificate_id(UNIT_MST)
    outcome = sign_in_background(agent, certificate, unsigned())
    window = screen.window(SIGN)
    screen.type(window, PIN)
    screen.key(window, "Return")
    assert len(signed_documents(answer_of(outcome))) == 1
    outcome = sign_in_background(agent, certificate, unsigned())
    window = screen.window(SIGN)  # opened within the session: no PIN field
    deadline = time.monotonic() + 30
    while any(c["session_open"] for c in agent.certificates()):
        assert time.monotonic() < deadline, "the token was never logged out"
    screen.key(window, "Return")  # the session is over: the window now asks the PIN
    screen.type(window, PIN)
    screen.screenshot("signer-agent-session-ended.png")
    screen.key(window, "Return")
    assert len(signed_documents(answer_of(outcome))) == 1
