"""Every page carries the platform's Content-Security-Policy; the API's answers need none."""

from __future__ import annotations

import pytest

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
