"""What the provider's pages share: Ngưng IVAN khác's list of the agency's providers is asked
of the agency at most every few minutes, without this provider, and not kept when the agency
did not answer."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from openivan.agency import services as agency_services
from openivan.devpki import samples
from openivan.provider import pages
from tests.processes import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_cached_list():  # type: ignore[no-untyped-def]
    cache.delete(pages.PROVIDERS_CACHE_KEY)
    yield
    cache.delete(pages.PROVIDERS_CACHE_KEY)


def test_the_agencys_providers_are_asked_once_in_a_few_minutes_and_ours_is_left_out(
        connected) -> None:
    agency_services.register_provider("00041", "I-VAN KHÁC", "0100047516")
    assert pages.other_providers() == [("00041", "I-VAN KHÁC")]  # not ours, 00040
    assert samples.PROVIDER.code == "00040"
    agency_services.register_provider("00042", "I-VAN MỚI", "0100109106")
    assert pages.other_providers() == [("00041", "I-VAN KHÁC")]  # the list kept a while
    assert 0 < pages.PROVIDERS_CACHE_SECONDS <= 600
    cache.delete(pages.PROVIDERS_CACHE_KEY)  # as the time runs out
    assert pages.other_providers() == [("00041", "I-VAN KHÁC"), ("00042", "I-VAN MỚI")]


def test_an_agency_that_does_not_answer_gives_an_empty_list_asked_again_next_time(
        connected, settings) -> None:
    agency_services.register_provider("00041", "I-VAN KHÁC", "0100047516")
    reachable = settings.OPENIVAN_AGENCY_URL
    settings.OPENIVAN_AGENCY_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens
    assert pages.other_providers() == []
    settings.OPENIVAN_AGENCY_URL = reachable
    assert pages.other_providers() == [("00041", "I-VAN KHÁC")]
