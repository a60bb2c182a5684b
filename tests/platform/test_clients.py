"""The caller's address, as sign-in limits and the audit log see it, with and without
reverse proxies in front."""

from __future__ import annotations

from openivan.platform.clients import client_address

FORGED_AND_REAL = {"REMOTE_ADDR": "10.0.0.2",
                   "HTTP_X_FORWARDED_FOR": "192.0.2.66, 203.0.113.7"}


def test_without_proxies_the_header_is_ignored(settings):
    settings.OPENIVAN_TRUSTED_PROXIES = 0
    assert client_address(FORGED_AND_REAL) == "10.0.0.2"


def test_behind_one_proxy_the_address_it_appended_is_read_not_a_forged_one(settings):
    settings.OPENIVAN_TRUSTED_PROXIES = 1
    assert client_address(FORGED_AND_REAL) == "203.0.113.7"


def test_behind_two_proxies_the_farthest_ones_peer_is_read(settings):
    settings.OPENIVAN_TRUSTED_PROXIES = 2
    assert client_address({"REMOTE_ADDR": "10.0.0.3",
                           "HTTP_X_FORWARDED_FOR": "192.0.2.66, 203.0.113.7, 10.0.0.2"}
                          ) == "203.0.113.7"


def test_without_the_header_or_with_garbage_the_peer_is_kept(settings):
    settings.OPENIVAN_TRUSTED_PROXIES = 1
    assert client_address({"REMOTE_ADDR": "10.0.0.2"}) == "10.0.0.2"
    assert client_address({"REMOTE_ADDR": "10.0.0.2",
                           "HTTP_X_FORWARDED_FOR": "x" * 500}) == "10.0.0.2"


def test_an_ipv6_address_is_written_in_its_short_form(settings):
    settings.OPENIVAN_TRUSTED_PROXIES = 1
    assert client_address({"REMOTE_ADDR": "::1",
                           "HTTP_X_FORWARDED_FOR": "2001:DB8:0:0::7"}) == "2001:db8::7"
