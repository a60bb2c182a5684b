"""`openivan demo run` + `openivan demo send 04`: a new user follows a whole registration —
the email in the mailbox page, its link, the code, "Hoàn tất thủ tục thành công"."""

from __future__ import annotations

import contextlib
import mailbox
import os
import re
import signal
import subprocess
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from openivan.agency.models import IvanProvider
from openivan.core.sms import SmppChannel, parse_sms_url
from openivan.demo import views
from openivan.demo.files import OFFICER, UNIT_PASSWORD
from openivan.demo.management.commands.demo_setup import Command as DemoSetup
from openivan.devpki import csc, samples
from tests.processes import OPENIVAN, free_port
from tests.waiting import wait_until


def start_demo(tmp_path, display: str | None = None,  # type: ignore[no-untyped-def]
               sigint_ignored: bool = False,
               ) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    """`sigint_ignored`: started as a script's background job is (`… &`, nohup), SIGINT
    inherited ignored."""
    web, pki, smtp, sms, csc, signer = (free_port() for _ in range(6))
    env = dict(os.environ, OPENIVAN_HOME=str(tmp_path), OPENIVAN_DEMO_WEB_PORT=str(web),
               OPENIVAN_DEMO_PKI_PORT=str(pki), OPENIVAN_DEMO_SMTP_PORT=str(smtp),
               OPENIVAN_DEMO_SMS_PORT=str(sms), OPENIVAN_DEMO_CSC_PORT=str(csc),
               OPENIVAN_SIGNER_PORTS=str(signer))
    env.pop("DATABASE_URL", None)  # the demo runs on its embedded SQLite
    env.pop("SOFTHSM2_CONF", None)  # the demo makes its own token
    env.pop("DISPLAY", None)  # the signing agent's windows: on the tests' X server only
    if display:
        env["DISPLAY"] = display
    # set for the browser tests' own process only; the demo runs the deployment checks
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # Its own session, as a terminal's foreground job: Ctrl-C is a SIGINT to its group. Its
    # output goes to a file, as to a terminal: a pipe nobody reads until the end fills (64 KiB
    # of request logs) and then blocks the demo's every write — its stop included.
    with (tmp_path / OUTPUT).open("wb") as output:
        process = subprocess.Popen(
            [OPENIVAN, "demo", "run"], env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_ignore_sigint if sigint_ignored else None)
    base = f"http://127.0.0.1:{web}"

    def up() -> bool:
        assert process.poll() is None, output_of(tmp_path)
        try:
            return httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:  # a loaded machine (the tests run beside others) takes its time to start the demo
        wait_until(up, timeout=300, interval=0.3, what="the demo answers its health call")
    except BaseException:
        stop_demo(process)  # not left running behind a failed test
        raise
    return process, base, env


OUTPUT = "demo-output.log"


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def output_of(tmp_path: Path) -> str:
    """What the demo printed so far (its terminal)."""
    return (tmp_path / OUTPUT).read_text(errors="replace")


def stop_demo(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C in its terminal; killed if it has not stopped within 20 s."""
    if process.poll() is not None:  # it stopped by itself (its output says why)
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def demo(tmp_path):  # type: ignore[no-untyped-def]
    process, base, env = start_demo(tmp_path)
    yield base, env
    stop_demo(process)


def descendants(pid: int) -> set[int]:
    """Every process started by `pid`, and by those, still running (from /proc)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # pid (comm) state ppid …: comm may hold spaces, so read after its ")"
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                alive.add(pid)
    return alive


def test_ctrl_c_stops_the_whole_demo_under_load_within_5_seconds(tmp_path):
    # Started as from a script's background job, SIGINT inherited ignored: the harder case (a
    # terminal's Ctrl-C reaches a demo that inherited the default, and takes the same path).
    process, base, env = start_demo(tmp_path, sigint_ignored=True)
    children = descendants(process.pid)
    assert len(children) >= 4  # the worker, the web server and its two processes
    busy = threading.Event()
    stop = threading.Event()

    def load() -> None:  # callers that keep the web server and the database at work
        with httpx.Client(base_url=base, timeout=5) as client:
            while not stop.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    client.get("/api/v1/health")
                    client.get("/hop-thu/")
                    busy.set()

    loaders = [threading.Thread(target=load, daemon=True) for _ in range(8)]
    try:
        for loader in loaders:
            loader.start()
        assert busy.wait(20)
        sent = subprocess.run([OPENIVAN, "demo", "send", "04", "--url", base], env=env,
                              capture_output=True, timeout=60)  # emails on their way too
        assert sent.returncode == 0, sent.stdout + sent.stderr
        started = time.monotonic()
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in its terminal
        with contextlib.suppress(AssertionError):  # judged below, with its output
            wait_until(lambda: process.poll() is not None and not _alive(children), timeout=10)
        took = time.monotonic() - started
    finally:
        stop.set()
        for pid in _alive(children | {process.pid}):
            os.kill(pid, signal.SIGKILL)
    output = output_of(tmp_path)
    assert took < 5, f"stopped after {took:.1f} s: {output[-3000:]}"
    assert process.wait(1) == 0 and not _alive(children), output[-3000:]
    assert "Traceback" not in output, output


def test_a_demo_whose_worker_dies_says_so_and_stops(tmp_path):
    process, _, _ = start_demo(tmp_path)
    try:
        [worker] = [pid for pid in descendants(process.pid)
                    if b"manage\x00worker" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        others = descendants(process.pid) - {worker}
        os.kill(worker, signal.SIGKILL)
        assert process.wait(15) == 1
        # Nothing of it left running without a parent.
        wait_until(lambda: not _alive(others), timeout=10, what="the demo's other processes end")
    finally:
        for pid in _alive(descendants(process.pid) | {process.pid}):
            os.kill(pid, signal.SIGKILL)
    output = output_of(tmp_path)
    assert "The demo's worker stopped (exit code -9); stopping the demo." in output, output
    assert "Traceback" not in output, output


def _mail(client: httpx.Client, subject_start: str, timeout: float = 30) -> str:
    def link() -> str | None:
        listing = client.get("/hop-thu/").text
        for href, subject in re.findall(r'href="(/hop-thu/[^"]+/)">([^<]+)', listing):
            if subject.startswith(subject_start):
                return href
        return None

    href = wait_until(link, timeout=timeout, interval=0.3, what=f"an email {subject_start!r}")
    return client.get(href).text


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


def test_an_sms_to_the_demos_smsc_is_on_the_mailbox_page_beside_the_emails(demo):
    base, env = demo
    channel = SmppChannel(parse_sms_url(
        f"smpp://bhxh:demo@127.0.0.1:{env['OPENIVAN_DEMO_SMS_PORT']}?source=BHXH"))
    text = ("BHXH Việt Nam: tài khoản giao dịch điện tử của bạn đã được cấp, tên đăng nhập "
            "0123456789; mật khẩu lần đầu gửi qua thư điện tử.")
    try:
        assert channel.send("0912345678", text).parts > 1
    finally:
        channel.close()
    client = httpx.Client(base_url=base, timeout=10)
    wait_until(lambda: text in client.get("/hop-thu/").text, timeout=10, interval=0.3,
               what="the SMS on the mailbox page")


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


def sign_in_as_the_demo_unit(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/ivan/")
    page.get_by_label("Mã số thuế (hoặc tài khoản của công ty dịch vụ)").fill(
        samples.UNIT_TAX_CODE)
    page.get_by_label("Mật khẩu").fill(UNIT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def test_the_tour_a_unit_adds_its_hsm_certificate_registers_and_reads_the_acceptance(
        demo, page):
    """The README's tour: the provider's sign-in as the demo unit, Chứng thư số › Thêm mới ›
    HSM from the demo's CSC service (the banner's account), Đăng ký IVAN, Ký và gửi BH (the
    demo's worker signs through the HSM), the mailbox and the activation page, Lịch sử GD ›
    Tải lại: Chấp nhận (Thành công)."""
    base, env = demo
    sign_in_as_the_demo_unit(page, base)
    expect(page.get_by_role("list", name="Thao tác").get_by_role(
        "link", name="Đăng ký IVAN")).to_have_count(1)
    page.get_by_role("navigation", name="Đơn vị").get_by_role("link", name="Chứng thư số").click()
    page.get_by_role("link", name="Thêm mới").click()
    page.get_by_label("Tích chọn hình thức HSM").check()
    page.get_by_role("button", name="Tiếp tục").click()
    page.get_by_label("Địa chỉ dịch vụ ký số").fill(
        f"http://127.0.0.1:{env['OPENIVAN_DEMO_CSC_PORT']}")
    page.get_by_label("Tài khoản").fill(csc.ACCOUNT)
    page.get_by_label("Mật khẩu").fill(csc.PASSWORD)
    page.get_by_role("button", name="Lấy dữ liệu chứng thư").click()
    page.locator("#offered input[type=radio]:not([disabled])").first.check()
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Đã thêm chứng thư số", use_inner_text=True)
    expect(page.locator("#certificates")).to_contain_text("HSM", use_inner_text=True)
    page.get_by_role("navigation", name="Đơn vị").get_by_role(
        "link", name="Thông tin đơn vị").click()
    page.get_by_role("list", name="Thao tác").get_by_role("link", name="Đăng ký IVAN").click()
    page.get_by_role("button", name="Ký và gửi BH").click()
    expect(page.locator("#tx-status")).to_have_text("BHXH đã tiếp nhận", timeout=60_000)
    client = httpx.Client(base_url=base, timeout=10)
    letter = _mail(client, "Xác nhận đăng ký tham gia giao dịch điện tử")
    link = re.search(r"/kich-hoat/[0-9A-F]{64}", letter).group(0)  # type: ignore[union-attr]
    code = re.search(r"Mã xác nhận:\s+(\w+)", letter).group(1)  # type: ignore[union-attr]
    tour = page.context.new_page()
    tour.goto(f"{base}{link}")
    tour.get_by_label("Mã xác nhận").fill(code)
    tour.get_by_role("button", name="Xác nhận").click()
    expect(tour.locator("main")).to_contain_text("Hoàn tất thủ tục thành công", use_inner_text=True)
    page.get_by_role("navigation", name="Đơn vị").get_by_role("link", name="Lịch sử GD").click()
    page.get_by_role("link", name="Chi tiết giao dịch").first.click()
    page.get_by_role("button", name="Tải lại").click()
    expect(page.locator("#tx-result")).to_have_text("Chấp nhận (Thành công)")
