"""The demo mailbox in Chromium: an email's Vietnamese reads as typed."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_letter_is_drawn_in_a_font_with_vietnamese_letters(  # type: ignore[no-untyped-def]
        page, live_server, settings, tmp_path) -> None:
    """Debian's default monospace font (DejaVu Sans Mono) has no glyph for "ố": Chromium drew
    the tone mark after its letter, and "số hồ sơ" read "sô´ hô` sơ". Chromium reports the
    fonts it really drew the text with."""
    settings.OPENIVAN_DEMO_MAILBOX = str(tmp_path / "mail")
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "openivan.demo"]  # its templates
    settings.ROOT_URLCONF = "tests.demo.urls"
    message = EmailMessage()
    message["To"], message["Subject"] = "ketoan@giaiphapmo.vn", "Xác nhận"
    message.set_content("Kính gửi đơn vị: số hồ sơ BHXH-20261122-000001, tổ chức I-VAN.\n")
    key = mailbox.Maildir(settings.OPENIVAN_DEMO_MAILBOX, create=True).add(message)
    page.goto(f"{live_server.url}/hop-thu/{key}/")
    devtools = page.context.new_cdp_session(page)
    devtools.send("DOM.enable")
    devtools.send("CSS.enable")
    root = devtools.send("DOM.getDocument")["root"]["nodeId"]
    letter = devtools.send("DOM.querySelector", {"nodeId": root, "selector": "pre"})["nodeId"]
    fonts = devtools.send("CSS.getPlatformFontsForNode", {"nodeId": letter})["fonts"]
    assert {font["familyName"] for font in fonts} == {"Liberation Mono"}, fonts
