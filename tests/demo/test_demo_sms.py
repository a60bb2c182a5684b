"""The demo's SMSC keeps each SMS the platform sent, whole, and the mailbox page shows it beside
the emails (the real worker, the real SMSC on loopback)."""

from __future__ import annotations

import json
import mailbox
from datetime import timedelta

import pytest
from django.utils import timezone

from openivan.demo.files import SMS_KEPT
from openivan.devsmsc import running_smsc
from openivan.notify import services, sms
from tests.conftest import run_worker
from tests.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_pages(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.OPENIVAN_DEMO_MAILBOX = str(tmp_path / "mail")
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "openivan.demo"]  # its templates
    settings.ROOT_URLCONF = "tests.demo.urls"
    return tmp_path / "mail"


def test_the_mailbox_page_shows_each_sms_whole_as_the_phone_does(demo_pages, client, settings):
    mailbox.Maildir(demo_pages, create=True)  # as the demo makes it, before the SMSC starts
    with running_smsc(keep=str(demo_pages / SMS_KEPT)) as smsc:
        settings.SMS_URL = smsc.url
        services.queue_sms("KM4TX-ACH7R", "portal_reset_code", "0987654321", {
            "name": "Lê Thị Hồng", "code": "739104",
            "until": timezone.now() + timedelta(minutes=10)})
        run_worker()
        wait_until(lambda: (demo_pages / SMS_KEPT).exists(), what="the SMSC kept the SMS")
        sms.close()
    [kept] = [json.loads(line) for line in (demo_pages / SMS_KEPT).read_text().splitlines()]
    assert kept["to"] == "84987654321" and kept["parts"] >= 3
    page = client.get("/hop-thu/").content.decode()
    assert "Tin nhắn SMS" in page and "84987654321" in page
    assert "mã đặt lại mật khẩu tài khoản giao dịch điện tử của Lê Thị Hồng là 739104" in page


def test_the_mailbox_page_says_when_no_sms_came_yet(demo_pages, client):
    assert "Chưa có tin nhắn SMS nào." in client.get("/hop-thu/").content.decode()
