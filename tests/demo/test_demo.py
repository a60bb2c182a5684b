"""`openivan demo run` + `openivan demo send 04`: a new user follows a whole registration —
the email in the mailbox page, its link, the code, "Hoàn tất thủ tục thành công"."""

from __future__ import annotations

import mailbox
import os
import re
import signal
import subprocess
import time
from email.message import EmailMessage

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from openivan.agency.models import IvanProvider
from openivan.demo import views
from openivan.demo.files import OFFICER
from openivan.demo.management.commands.demo_setup import Command as DemoSetup
from openivan.devpki import samples
from tests.processes import OPENIVAN, free_port


@pytest.fixture
def demo(tmp_path):  # type: ignore[no-untyped-def]
    web, pki, smtp = free_port(), free_port(), free_port()
    env = dict(os.environ, OPENIVAN_HOME=str(tmp_path), OPENIVAN_DEMO_WEB_PORT=str(web),
               OPENIVAN_DEMO_PKI_PORT=str(pki), OPENIVAN_DEMO_SMTP_PORT=str(smtp))
    env.pop("DATABASE_URL", None)  # the demo runs on its embedded SQLite
    # set for the browser tests' own process only; the demo runs the deployment checks
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen([OPENIVAN, "demo", "run"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{web}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the demo did not start"
        time.sleep(0.3)
    yield base, env
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _mail(client: httpx.Client, subject_start: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listing = client.get("/hop-thu/").text
        for href, subject in re.findall(r'href="(/hop-thu/[^"]+/)">([^<]+)', listing):
            if subject.startswith(subject_start):
                return client.get(href).text
        time.sleep(0.3)
    raise AssertionError(f"no email {subject_start!r}")


def test_a_new_user_follows_a_whole_registration(demo):
    base, env = demo
    sent = subprocess.run([OPENIVAN, "demo", "send", "04", "--url", base], env=env,
                          capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    number = re.search(r"(BHXH-\d{8}-\d{6})", sent.stdout).group(1)  # type: ignore[union-attr]

    client = httpx.Client(base_url=base, timeout=10)
    letter = _mail(client, "Xác nhận đăng ký tham gia giao dịch điện tử")
    link = re.search(r"/kich-hoat/[0-9A-F]{64}", letter).group(0)  # type: ignore[union-attr]
    code = re.search(r"Mã xác nhận:\s+(\w+)", letter).group(1)  # type: ignore[union-attr]
    page = client.get(link).text
    assert number in page
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = client.post(link, data={"csrfmiddlewaretoken": csrf, "code": code})
    assert "Hoàn tất thủ tục thành công" in done.text
    completion = _mail(client, "Hoàn tất thủ tục giao dịch điện tử")
    assert "Mật khẩu lần đầu" in completion and number in completion


def _csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_demo_officer_signs_in_with_the_code_of_the_demo_authenticator(demo):
    base, _ = demo
    client = httpx.Client(base_url=base, timeout=10)
    form = client.get("/tai-khoan/dang-nhap/").text
    signed = client.post("/tai-khoan/dang-nhap/", data={
        "csrfmiddlewaretoken": _csrf(form), "username": OFFICER[0], "password": OFFICER[1],
        "next": "/co-quan/ho-so/"})
    assert signed.status_code == 302
    asked = client.get("/co-quan/ho-so/")
    assert asked.status_code == 302 and asked.headers["location"].startswith(
        "/tai-khoan/xac-thuc-hai-lop/")
    setup = client.get(asked.headers["location"]).text
    assert "Thiết lập xác thực hai lớp" in setup
    app = client.get("/ung-dung-xac-thuc/").text
    code = re.search(rf'data-account="{OFFICER[0]}">(\d{{6}})<', app).group(1)  # type: ignore[union-attr]
    done = client.post(asked.headers["location"], data={
        "csrfmiddlewaretoken": _csrf(setup), "code": code})
    assert done.status_code == 200 and "Mã dự phòng" in done.text
    assert client.get("/co-quan/ho-so/").status_code == 200
    # A staff account: the home page shows the monitor's checks, all well with the demo's
    # worker running (it reports itself) and its key and trust store in place.
    home = client.get("/").text
    assert 'Tình trạng hệ thống:\n  <span class="ok">bình thường</span>' in home, home


def test_the_mailbox_shows_a_utc_dated_email_at_its_real_time(tmp_path, settings):
    """Django dates emails "-0000" (UTC); the mailbox must not take that for local time."""
    settings.OPENIVAN_DEMO_MAILBOX = str(tmp_path / "mail")
    message = EmailMessage()
    message["To"], message["Subject"] = "ketoan@giaiphapmo.vn", "Xác nhận"
    message["Date"] = "Sun, 22 Nov 2026 06:15:43 -0000"
    message.set_content("…")
    mailbox.Maildir(settings.OPENIVAN_DEMO_MAILBOX, create=True).add(message)
    (letter,) = views._letters()
    assert timezone.localtime(letter.date).strftime("%H:%M %d/%m/%Y") == "13:15 22/11/2026"


@pytest.mark.django_db
def test_a_demo_folder_kept_from_an_older_version_gets_the_current_provider_certificate(
        tmp_path, monkeypatch):
    """Its demo CA had issued the provider's certificate differently: every `demo send` was
    refused PROVIDER_CERT_UNKNOWN."""
    monkeypatch.setenv("OPENIVAN_HOME", str(tmp_path))
    call_command(DemoSetup())
    provider = IvanProvider.objects.get(code=samples.PROVIDER.code)
    current = provider.certificate_thumbprints
    provider.certificates.update(thumbprint="A" * 64)  # as the older version registered it
    IvanProvider.objects.filter(pk=provider.pk).update(certificate_thumbprints=["A" * 64])
    call_command(DemoSetup())
    provider.refresh_from_db()
    assert provider.certificate_thumbprints == ["A" * 64, *current]
    call_command(DemoSetup())  # and once in place, nothing more
    assert IvanProvider.objects.get().certificates.count() == 2
