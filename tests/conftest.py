"""Shared fixtures: a real PKI with OCSP and CRLs on loopback, a SoftHSM2 token, a CSC server."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization

from openivan.core.pki import ChainValidator, RevocationChecker, TrustStore
from openivan.core.verification import Verifier
from openivan.devpki import DevPKI, csc
from tests.mailserver import MailServer
from tests.mailserver import start as start_mailserver

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Database tests carry `db` too, so `make test` can run exactly them again on PostgreSQL.
    # Asking for the `db` fixture (directly or through another fixture) is the same as the mark.
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("django_db") or fixtures & {"db", "transactional_db"}:
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session", autouse=True)
def shared_static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of collected static files for every server the tests start (the demo's,
    `serve`'s, behind nginx): the first start collects them, the others find them current
    (platform.static_files) instead of spending 17 s of CPU each. Shared by the run's xdist
    workers (the lock beside it orders them), never with another run."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "static"
    os.environ["OPENIVAN_STATIC_ROOT"] = str(root)
    return root


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevPKI]:
    devpki = DevPKI.create(tmp_path_factory.mktemp("pki"))
    with devpki.serve():
        yield devpki


@pytest.fixture
def pki_outage(pki: DevPKI) -> Iterator[DevPKI]:
    """The PKI, whose OCSP and CRL switches the test may turn off; back on afterwards."""
    yield pki
    pki.ocsp_up = pki.crl_up = True
    pki.ocsp_hangs = 0.0


@pytest.fixture(scope="session")
def trust_dir(pki: DevPKI, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pki.write_trust_store(tmp_path_factory.mktemp("trust"))


@pytest.fixture(scope="session")
def chains(trust_dir: Path) -> ChainValidator:
    return ChainValidator(TrustStore.from_directory(trust_dir))


@pytest.fixture
def verifier(chains: ChainValidator) -> Verifier:
    return Verifier(chains, RevocationChecker("hard"))


@pytest.fixture(scope="session")
def softhsm(pki: DevPKI, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """A SoftHSM2 token `ivan-test` (PIN 1234) holding the unit's key and certificate."""
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)  # read by the library when it initialises
    label, pin = "ivan-test", "1234"
    run = lambda *cmd: subprocess.run(cmd, check=True, capture_output=True)  # noqa: E731
    run("softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "12345678",
        "--pin", pin)
    key_file, cert_file = base / "unit.key.pem", base / "unit.der"
    key_file.write_bytes(pki.private_key_pem("unit"))
    cert_file.write_bytes(pki.certificate("unit").public_bytes(serialization.Encoding.DER))
    run("softhsm2-util", "--import", str(key_file), "--token", label, "--label", "unit",
        "--id", "01", "--pin", pin)
    run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", label, "--login", "--pin", pin,
        "--write-object", str(cert_file), "--type", "cert", "--id", "01", "--label", "unit")
    key_file.unlink()  # from now on the key exists only on the token
    return SimpleNamespace(conf=str(conf), label=label, pin=pin, module=SOFTHSM_MODULE)


CSC_ACCOUNT, CSC_PASSWORD = csc.ACCOUNT, csc.PASSWORD


@pytest.fixture(scope="session")
def csc_server(pki: DevPKI) -> Iterator[str]:
    """certomancer-csc-dummy behind an authenticating gateway (account + password)."""
    with csc.serve_csc(pki) as url:
        yield url


@pytest.fixture
def mailserver(settings) -> Iterator[MailServer]:
    """A real SMTP server the platform's email settings point at."""
    server = MailServer()
    controller = start_mailserver(server)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.OPENIVAN_NOTIFY_SMTP_TIMEOUT = 5
    yield server
    controller.stop()


@pytest.fixture
def smsc(settings) -> Iterator[Any]:
    """The test SMSC (openivan.devsmsc, smpp34) on loopback, SMS_URL pointing at it. It keeps
    what it took (`smsc.submitted`, `smsc.messages_to("84…")`, `devsmsc.join_parts`)."""
    from openivan.devsmsc import running_smsc
    from openivan.notify import sms

    with running_smsc() as server:
        settings.SMS_URL = server.url
        yield server
        sms.close()  # this process's channel is bound to it: unbind before it stops


def run_worker() -> None:
    """Run the real worker until no job is due (in this process)."""
    from django.core.management import call_command

    call_command("worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def stepping_worker(now: list[float]) -> Any:
    """The real worker, stepped by the test (`worker.step()`), its clock `now[0]` seconds."""
    from openivan.platform import jobs

    return jobs.Worker(poll_seconds=0, sweep_seconds=3600, beat=lambda: None,
                       beat_seconds=3600, stopping=lambda: False, sleep=lambda s: None,
                       clock=lambda: now[0])


# ---------------------------------------------------------------- browser
# Debian's Chromium driven by Playwright (never a downloaded browser).
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


# axe-core, pinned in package-lock.json and installed by `make venv` (npm ci).
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0-2.2 A and AA rules; a violation of these with impact serious or critical fails a test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_FAILING = {"serious", "critical"}
# Pages the platform does not draw itself: the API's documentation for integrators is
# Swagger UI as it ships (django-ninja), whose own markup axe finds fault with.
AXE_EXEMPT = ("/api/v1/docs",)


def axe_violations(page: Any) -> list[str]:
    """The serious and critical WCAG 2.2 AA violations axe-core finds on the page as it is."""
    # One run at a time: a page's load can start one while another is still going.
    result = page.evaluate(
        "tags => (window.__axeRuns = (window.__axeRuns || Promise.resolve()).catch(() => null)"
        ".then(() => axe.run(document, {runOnly: {type: 'tag', values: tags}})))", AXE_TAGS)
    return [f"{page.url}: {v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["html"][:160] for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in AXE_FAILING]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new tab. Every browser test also checks that the pages it saw broke none of the
    platform's Content-Security-Policy (Chromium reports each refusal on the console), and
    runs axe-core on every page it loads: no serious or critical WCAG 2.2 AA violation.
    axe is added to each document by the browser itself (not as a script tag, which the
    Content-Security-Policy would rightly refuse)."""
    assert AXE.exists(), f"{AXE} is missing: run `make venv` (npm ci)"
    context = browser.new_context(locale="vi-VN")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    refused: list[str] = []
    inaccessible: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)

    def check(loaded: Any) -> None:
        if urlsplit(loaded.url).path in AXE_EXEMPT:
            return
        try:
            inaccessible.extend(axe_violations(loaded))
        except Exception as exc:  # the page went on to another one meanwhile: that one is checked
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise

    page.on("load", check)
    yield page
    if not page.is_closed() and page.url.startswith("http"):
        check(page)  # the page as the test left it (after scripts changed it)
    context.close()
    assert not refused, refused
    assert not inaccessible, "\n".join(dict.fromkeys(inaccessible))
