"""Every page carries the platform's Content-Security-Policy; the API's answers need none."""

from __future__ import annotations

import pytest

from openivan.platform.middleware import (
    ContentSecurityPolicyMiddleware,
    reaches_signing_agent,
    with_sources,
)

pytestmark = pytest.mark.django_db


def test_a_page_may_run_only_the_platforms_own_scripts(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/")
    assert page["Content-Type"].startswith("text/html")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_api_answers_without_a_page_policy(client) -> None:  # type: ignore[no-untyped-def]
    health = client.get("/api/v1/health")
    assert health["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in health


def test_an_empty_policy_setting_sends_no_header(client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.OPENIVAN_CONTENT_SECURITY_POLICY = ""
    assert "Content-Security-Policy" not in client.get("/")


def test_a_source_is_added_to_its_directive_and_nothing_else_changes() -> None:
    policy = "default-src 'self'; connect-src 'self'; script-src 'self'"
    assert with_sources(policy, {"connect-src": ["http://127.0.0.1:7000"]}) == (
        "default-src 'self'; connect-src 'self' http://127.0.0.1:7000; script-src 'self'")


def test_a_directive_the_policy_lacks_starts_from_its_default_src() -> None:
    # Without connect-src the page could connect where default-src allows: adding the agent
    # must keep that, not narrow it to the agent alone nor widen it further.
    added = with_sources("default-src 'self' https://cdn.example.vn; img-src 'self'",
                         {"connect-src": ["http://127.0.0.1:7000"]})
    assert added.endswith("connect-src 'self' https://cdn.example.vn http://127.0.0.1:7000")


def test_an_operators_own_connect_sources_keep_the_agent_reachable() -> None:
    # The old string replacement of "connect-src 'self'" missed this order silently.
    added = with_sources("default-src 'self'; connect-src https://api.example.vn 'self'",
                         {"connect-src": ["http://127.0.0.1:7000"]})
    assert "connect-src https://api.example.vn 'self' http://127.0.0.1:7000" in added


def test_a_signing_page_admits_the_agents_ports_and_others_do_not(rf, settings) -> None:  # type: ignore[no-untyped-def]
    from django.http import HttpResponse

    settings.OPENIVAN_SIGNER_PORTS = [7000, 7001]
    middleware = ContentSecurityPolicyMiddleware(
        reaches_signing_agent(lambda request: HttpResponse("<p>ký</p>")))
    policy = middleware(rf.get("/"))["Content-Security-Policy"]
    assert "http://127.0.0.1:7000 http://127.0.0.1:7001" in policy.split("connect-src")[1]
    plain = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>trang</p>"))
    assert "127.0.0.1" not in plain(rf.get("/"))["Content-Security-Policy"]


def test_a_policy_that_does_not_restrict_connections_is_left_so() -> None:
    # Neither connect-src nor default-src: the page may connect anywhere already; a lone
    # "connect-src <agent>" would block its own post of the signed bytes.
    policy = "script-src 'self'; frame-ancestors 'none'"
    assert with_sources(policy, {"connect-src": ["http://127.0.0.1:7000"]}) == policy


def test_a_directive_named_twice_keeps_the_first_as_browsers_do() -> None:
    added = with_sources("default-src 'self'; connect-src 'self'; connect-src *",
                         {"connect-src": ["http://127.0.0.1:7000"]})
    assert added == "default-src 'self'; connect-src 'self' http://127.0.0.1:7000"
