"""The apps plug into the platform through its registries; the platform names none of them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from openivan.platform import registries
from openivan.platform.api import api, mounted
from openivan.platform.services import monitoring


def test_an_entry_is_seen_while_the_app_that_brought_it_is_installed() -> None:
    registry: registries.Registry[str] = registries.Registry("things")
    registry.add("mine", by="openivan.platform")
    registry.add("mine", by="openivan.platform")  # ready() ran again: still one
    registry.add("theirs", by="openivan.not_installed")
    assert list(registry) == ["mine"] and len(registry) == 1
    registry.remove("mine")
    assert list(registry) == []


def test_the_root_urls_are_the_platform_s_and_those_each_installed_app_registers() -> None:
    modules = [entry.module for entry in registries.url_includes]
    assert modules[:3] == ["openivan.accounts.urls", "openivan.agency.urls",
                           "openivan.provider.urls"]
    assert reverse("accounts:login") == "/tai-khoan/dang-nhap/"
    assert reverse("agency:dossiers") == "/co-quan/ho-so/"
    assert reverse("provider:home") == "/ivan/"


def test_the_api_carries_each_registered_router_once() -> None:
    assert mounted() is mounted() is api  # the URLconf loaded again mounts nothing twice
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/dossiers" in paths and "/api/v1/health" in paths
    assert "/api/v1/portal/declarations" in paths
    assert [entry.router for entry in registries.api_routers] == [
        "openivan.agency.api.router", "openivan.portal.api.router"]


@pytest.fixture
def plugged() -> Iterator[list[tuple[registries.Registry, object]]]:
    """Entries a test plugs in for a while (as if the platform app had brought them)."""
    added: list[tuple[registries.Registry, object]] = []
    yield added
    for registry, entry in added:
        registry.remove(entry)


@pytest.mark.django_db
def test_the_monitor_runs_the_platform_s_checks_then_each_app_s(plugged) -> None:
    def printer_paper(now: datetime) -> list[monitoring.Check]:
        return [monitoring.Check("paper", monitoring.WARNING, "Paper is low")]

    registries.monitoring_checks.add(printer_paper, by="openivan.platform")
    plugged.append((registries.monitoring_checks, printer_paper))
    names = [check.name for check in monitoring.run_checks()]
    assert names[:2] == ["database", "worker"] and names[-1] == "paper"
    assert {"outbox_late", "agency_key"} <= set(names)  # notify's and the agency's


@pytest.mark.django_db
def test_reseal_moves_every_registered_secret_and_names_those_no_key_opens(plugged) -> None:
    def reseal_tapes(by: str) -> tuple[int, list[int]]:
        assert by.startswith("cli:")
        return 3, [7, 9]

    field = registries.SealedField("Tapes, sealed under the current key: %(count)d", "tapes",
                                   reseal_tapes)
    registries.sealed_fields.add(field, by="openivan.platform")
    plugged.append((registries.sealed_fields, field))
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("reseal", stdout=out)
    assert "DATA_KEY_UNKNOWN" in str(refused.value)
    assert str(refused.value).endswith("(tapes 7, 9)")
    assert "Tapes, sealed under the current key: 3" in out.getvalue().splitlines()


@pytest.mark.django_db
def test_the_front_page_links_to_the_pages_the_apps_register() -> None:
    page = Client().get("/").content.decode()
    assert '<a href="/co-quan/ho-so/">Trang cán bộ</a>' in page
    assert '<a href="/ca-nhan/dang-ky/">Cá nhân: đăng ký giao dịch điện tử</a>' in page
    assert [link.url for link in registries.home_links] == [
        "agency:dossiers", "portal:declare", "portal:lookup"]


@pytest.mark.django_db
def test_the_layout_links_to_the_account_pages_accounts_gives(django_user_model) -> None:
    client = Client()
    client.force_login(django_user_model.objects.create_user("donvi01", password="x"))
    page = client.get("/").content.decode()
    assert '<a href="/tai-khoan/" title="Tài khoản của tôi">donvi01</a>' in page
    assert '<form action="/tai-khoan/dang-xuat/" method="post">' in page
