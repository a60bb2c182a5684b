"""`make demo` / `openivan demo run`: the whole platform on one machine.

The demo CA serves OCSP and CRLs on 127.0.0.1:8001, an SMTP catcher on 127.0.0.1:8025 keeps
every email in a Maildir shown at /hop-thu/, the test SMSC (openivan.devsmsc) on 127.0.0.1:2775
every SMS, shown there too, the worker and the web server (the production one,
`openivan manage serve`) run as child processes against the embedded SQLite database. The demo
unit's signing devices come with it (demo/devices.py): a remote HSM (the CSC test service on
127.0.0.1:8002) and a USB token (SoftHSM2) behind the signing agent. Ctrl-C stops everything."""

from __future__ import annotations

import contextlib
import mailbox
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from openivan.core import samples
from openivan.demo import devices
from openivan.demo.files import (
    AGENCY_P12_PASSWORD,
    CSC_PORT,
    FIRM,
    OFFICER,
    PKI_PORT,
    PROVIDER_P12_PASSWORD,
    SMS_PORT,
    SMTP_PORT,
    TOKEN_LABEL,
    TOKEN_PIN,
    UNIT_PASSWORD,
    WEB_ADDRESS,
    DemoFiles,
)
from openivan.devpki import DevPKI, csc
from openivan.devsmsc import running_smsc


def environment(files: DemoFiles) -> dict[str, str]:
    # DEBUG off, as in production: an unknown address gets the platform's PAGE_NOT_FOUND
    # page, not Django's debug page listing every URL. So the demo keeps its own secret key.
    return dict(
        os.environ, DEBUG="0", DJANGO_SETTINGS_MODULE="openivan.conf.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY") or demo_secret_key(files),
        OPENIVAN_TRUST_STORE=str(files.trust), OPENIVAN_AGENCY_P12=str(files.agency_p12),
        OPENIVAN_AGENCY_P12_PASSWORD=AGENCY_P12_PASSWORD,
        EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}", OPENIVAN_DEMO_MAILBOX=str(files.mailbox),
        SMS_URL=f"smpp://bhxh:demo@127.0.0.1:{SMS_PORT}?source=BHXH",
        OPENIVAN_PORTAL_CSC_HOSTS="127.0.0.1",  # the demo's CSC service, for individuals too
        OPENIVAN_SMS_RETRY_SECONDS="5",
        OPENIVAN_PUBLIC_URL=f"http://{WEB_ADDRESS}", OPENIVAN_SWEEP_SECONDS="10",
        OPENIVAN_NOTIFY_RETRY_SECONDS="5", OPENIVAN_WORKER_STOP_SECONDS="3",
        # The provider's role talks to the agency's role of the same demo, as over the wire.
        OPENIVAN_AGENCY_URL=f"http://{WEB_ADDRESS}",
        OPENIVAN_AGENCY_CERTIFICATES=str(files.agency_pem),
        OPENIVAN_PROVIDER_P12=str(files.provider_p12),
        OPENIVAN_PROVIDER_P12_PASSWORD=PROVIDER_P12_PASSWORD,
        PYTHONUNBUFFERED="1")


def demo_secret_key(files: DemoFiles) -> str:
    """A random key made at the first run and kept in the demo's folder (var/demo)."""
    path = files.root / "secret_key"
    if not path.exists():
        files.root.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def prepare(files: DemoFiles) -> DevPKI:
    files.root.mkdir(parents=True, exist_ok=True)
    pki = DevPKI.create(files.pki, port=PKI_PORT)
    pki.write_trust_store(files.trust)
    files.agency_p12.write_bytes(pki.pkcs12("agency", AGENCY_P12_PASSWORD))
    files.agency_pem.write_bytes(pki.certificate("agency").public_bytes(Encoding.PEM))
    files.provider_p12.write_bytes(pki.pkcs12("provider", PROVIDER_P12_PASSWORD))
    return pki


# Ctrl-C stops everything within this long: the children are asked to stop (SIGTERM: the web
# server finishes the requests in flight, the worker the email in hand), then killed.
STOP_SECONDS = 3.0


def main() -> int:
    # Ctrl-C (SIGINT) stops the demo even when it was started where SIGINT is ignored — a
    # shell's background job (`… &`, nohup, a CI script) inherits it ignored, and Python then
    # raises no KeyboardInterrupt: the demo ran on, and its tests' stop waited 20 s.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return _run()
    except KeyboardInterrupt:  # Ctrl-C while the demo was still setting up
        print("\nOpenIVAN demo stopped.", flush=True)
        return 130


def _run() -> int:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    files = DemoFiles.here()
    pki = prepare(files)
    env = environment(files)
    openivan = str(Path(sys.executable).parent / "openivan")
    subprocess.run([openivan, "manage", "migrate", "--noinput", "-v", "0"], env=env, check=True)
    mailbox.Maildir(files.mailbox, create=True)  # new, cur, tmp: before the page reads it
    smtp = Controller(Mailbox(str(files.mailbox)), hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        with (pki.serve(), running_smsc(SMS_PORT, keep=str(files.sms)),
              csc.serve_csc(pki, CSC_PORT) as csc_url):
            try:
                # With the demo CA answering: a unit's certificate is checked as it is added.
                # Also the individuals' portal: records, reception points, the desk officer.
                subprocess.run([openivan, "manage", "demo_setup"], env=env, check=True)
                env["OPENIVAN_AGENCY_API_KEY"] = files.provider_key.read_text().strip()
                signer = _start_signing_agent(files, pki, children)
                # Each in a session of its own: the terminal's Ctrl-C reaches this process only,
                # which stops each child once and in order (a child that got the terminal's
                # SIGINT and then this one's SIGTERM took the second as "stop at once").
                children["worker"] = subprocess.Popen(
                    [openivan, "manage", "worker", "--interval", "0.5", "--no-reload"], env=env,
                    start_new_session=True)
                children["web server"] = subprocess.Popen(
                    [openivan, "manage", "serve", "--bind", WEB_ADDRESS, "--workers", "2"], env=env,
                    start_new_session=True)
                _banner()
                _signing_banner(csc_url, signer)
                return _watch(children)
            finally:
                # The children before the servers they talk to: an aiohttp server (the demo
                # CA's OCSP, the CSC service) stopped first waits for the connections its
                # clients keep alive (the web processes' OCSP client) — 10 s each, and the
                # demo's Ctrl-C took 20 s.
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C cuts nothing short
                _stop(children)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop(children)  # those started before a failure (none left after the above)
        smtp.stop()


def _start_signing_agent(files: DemoFiles, pki: DevPKI,
                         children: dict[str, subprocess.Popen[bytes]]) -> devices.Signer | None:
    """The demo token and the signing agent reaching it, watched like the other children."""
    token = devices.prepare_token(files, pki)
    signer = devices.start_signer(files, token) if token else None
    if signer is not None:
        children["signing agent"] = signer.process
    return signer


def _watch(children: dict[str, subprocess.Popen[bytes]]) -> int:
    """Until Ctrl-C (0), or until a child ends by itself: then the demo says so and stops
    the rest (1), rather than carry on half there."""
    try:
        while True:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    print(f"\nThe demo's {name} stopped (exit code {code}); stopping the demo.",
                          file=sys.stderr, flush=True)
                    return 1
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("\nStopping the OpenIVAN demo…", flush=True)
        return 0


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each child, then SIGKILL to the process group of any still running after
    STOP_SECONDS (the web server's processes with it)."""
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for child in children.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(max(0.0, deadline - time.monotonic()))
    for child in children.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)  # its group: what it started goes too
        child.wait()
    children.clear()  # stopped once: a second call must not signal pids reused since


def _banner() -> None:
    print(f"""
OpenIVAN demo
  Provider's service     http://{WEB_ADDRESS}/ivan/
                         (the demo unit: {samples.UNIT_TAX_CODE} / {UNIT_PASSWORD};
                         an accounting firm with two units: {FIRM[0]} / {FIRM[1]})
  Home (staff: status)   http://{WEB_ADDRESS}/
  Mailbox (all emails)   http://{WEB_ADDRESS}/hop-thu/
  Officers' console      http://{WEB_ADDRESS}/co-quan/ho-so/
                         (sign in: {OFFICER[0]} / {OFFICER[1]}; then the code of an
                         authenticator app, or of the demo's own below)
  Demo authenticator app http://{WEB_ADDRESS}/ung-dung-xac-thuc/
  Individuals' portal    http://{WEB_ADDRESS}/ca-nhan/dang-ky/
                         (the demo person: Nguyễn Văn An, BHXH 0123456789, CCCD 001090000001;
                         the desk: http://{WEB_ADDRESS}/co-quan/tiep-nhan/ as {OFFICER[0]})
  API docs               http://{WEB_ADDRESS}/api/v1/docs
In another terminal:
  .venv/bin/openivan demo send 04             register the demo unit (then 05 change, 06 stop)
  .venv/bin/openivan demo send 04 --new-unit  a unit without unit code: an officer decides
Ctrl-C stops the demo.
""", flush=True)


def _signing_banner(csc_url: str, signer: devices.Signer | None) -> None:
    """Where the demo unit's certificates are: Chứng thư số › Thêm mới takes them from here."""
    indent = "\n" + " " * 25
    if signer is None:
        token = "not started (SoftHSM2, OpenSC or a free signing-agent port missing)"
    else:
        token = (f"SoftHSM2 token {TOKEN_LABEL!r}, PIN {TOKEN_PIN}{indent}through the signing "
                 f"agent on 127.0.0.1:{signer.port}")
        if not os.environ.get("DISPLAY"):
            token += f"{indent}(no display: it lists the certificates but signs nothing)"
    print(f"""The demo unit's certificates (Chứng thư số › Thêm mới)
  HSM                    service {csc_url}
                         account {csc.ACCOUNT}, password {csc.PASSWORD}
  USB Token              {token}
""", flush=True)
