"""`make demo` / `openivan demo run`: the whole platform on one machine.

The demo CA serves OCSP and CRLs on 127.0.0.1:8001, an SMTP catcher on 127.0.0.1:8025 keeps
every email in a Maildir shown at /hop-thu/, the worker and the web server (the production one,
`openivan manage serve`) run as child processes against the embedded SQLite database. Ctrl-C
stops everything."""

from __future__ import annotations

import mailbox
import os
import secrets
import subprocess
import sys
from pathlib import Path

from openivan.demo.files import (
    AGENCY_P12_PASSWORD,
    OFFICER,
    PKI_PORT,
    SMTP_PORT,
    WEB_ADDRESS,
    DemoFiles,
)
from openivan.devpki import DevPKI


def environment(files: DemoFiles) -> dict[str, str]:
    # DEBUG off, as in production: an unknown address gets the platform's PAGE_NOT_FOUND
    # page, not Django's debug page listing every URL. So the demo keeps its own secret key.
    return dict(
        os.environ, DEBUG="0", DJANGO_SETTINGS_MODULE="openivan.conf.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY") or demo_secret_key(files),
        OPENIVAN_TRUST_STORE=str(files.trust), OPENIVAN_AGENCY_P12=str(files.agency_p12),
        OPENIVAN_AGENCY_P12_PASSWORD=AGENCY_P12_PASSWORD,
        EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}", OPENIVAN_DEMO_MAILBOX=str(files.mailbox),
        OPENIVAN_PUBLIC_URL=f"http://{WEB_ADDRESS}", OPENIVAN_SWEEP_SECONDS="10",
        OPENIVAN_NOTIFY_RETRY_SECONDS="5", PYTHONUNBUFFERED="1")


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
    return pki


def main() -> int:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Mailbox

    files = DemoFiles.here()
    pki = prepare(files)
    env = environment(files)
    openivan = str(Path(sys.executable).parent / "openivan")
    subprocess.run([openivan, "manage", "migrate", "--noinput", "-v", "0"], env=env, check=True)
    subprocess.run([openivan, "manage", "demo_setup"], env=env, check=True)
    mailbox.Maildir(files.mailbox, create=True)  # new, cur, tmp: before the page reads it
    smtp = Controller(Mailbox(str(files.mailbox)), hostname="127.0.0.1", port=SMTP_PORT)
    smtp.start()
    children: list[subprocess.Popen[bytes]] = []
    try:
        with pki.serve():
            children.append(subprocess.Popen(
                [openivan, "manage", "worker", "--interval", "0.5", "--no-reload"], env=env))
            children.append(subprocess.Popen(
                [openivan, "manage", "serve", "--bind", WEB_ADDRESS, "--workers", "2"], env=env))
            _banner()
            children[-1].wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(10)
        smtp.stop()
    return 0


def _banner() -> None:
    print(f"""
OpenIVAN demo
  Home (staff: status)   http://{WEB_ADDRESS}/
  Mailbox (all emails)   http://{WEB_ADDRESS}/hop-thu/
  Officers' console      http://{WEB_ADDRESS}/co-quan/ho-so/
                         (sign in: {OFFICER[0]} / {OFFICER[1]}; then the code of an
                         authenticator app, or of the demo's own below)
  Demo authenticator app http://{WEB_ADDRESS}/ung-dung-xac-thuc/
  API docs               http://{WEB_ADDRESS}/api/v1/docs
In another terminal:
  .venv/bin/openivan demo send 04             register the demo unit (then 05 change, 06 stop)
  .venv/bin/openivan demo send 04 --new-unit  a unit without unit code: an officer decides
Ctrl-C stops the demo.
""", flush=True)
