"""The signing agent's tests: a SoftHSM2 token with two units' certificates (two MSTs), an
expired one and a person's (CCCD), an X server (Xvfb) for the agent's windows, and the agent
as a real process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from openivan.core.xml import codec
from openivan.devpki import samples
from tests.conftest import SOFTHSM_MODULE
from tests.processes import free_port

TOKEN_LABEL, PIN = "agent-test", "1234"
ORIGIN = "https://ivan.test"  # pre-approved in the agent's configuration
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "artifacts"
UNIT_MST, UNIT2_MST = "0101300842", "0100047516"


@pytest.fixture(scope="session")
def token_dir(pki: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A token directory every agent gets its own copy of (some tests remove the token)."""
    base = tmp_path_factory.mktemp("agent-token")
    tokens = base / "tokens"
    tokens.mkdir()
    env = {**os.environ, "SOFTHSM2_CONF": str(_softhsm_conf(base, tokens))}

    def run(*cmd: str) -> None:
        subprocess.run(cmd, check=True, capture_output=True, env=env)

    run("softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL, "--so-pin",
        "12345678", "--pin", PIN)
    for object_id, label in (("01", "unit"), ("02", "unit2"), ("03", "unit-expired"),
                             ("04", "person-cccd")):
        key, cert = base / f"{label}.key.pem", base / f"{label}.der"
        key.write_bytes(pki.private_key_pem(label))
        cert.write_bytes(pki.certificate(label).public_bytes(serialization.Encoding.DER))
        run("softhsm2-util", "--import", str(key), "--token", TOKEN_LABEL, "--label", label,
            "--id", object_id, "--pin", PIN)
        run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", TOKEN_LABEL, "--login",
            "--pin", PIN, "--write-object", str(cert), "--type", "cert", "--id", object_id,
            "--label", label)
        key.unlink()  # the keys exist only on the token
    return tokens


def _softhsm_conf(base: Path, tokens: Path) -> Path:
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    return conf


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """A real X server without a screen (Debian's Xvfb) for the agent's windows."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as stream:
        number = stream.readline().strip()  # written once the server accepts clients
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(10)


class Screen:
    """The X display as a user sees it: find the agent's windows, type, take a picture."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.env = {**os.environ, "DISPLAY": display}

    def xdotool(self, *args: str, timeout: float = 20) -> str:
        done = subprocess.run(["xdotool", *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)
        return done.stdout.strip()

    def window(self, window_class: str, timeout: float = 60) -> str:
        """The id of the agent's window of that class, once it is shown."""
        found = self.xdotool("search", "--sync", "--onlyvisible", "--class", window_class,
                             timeout=timeout)
        return found.splitlines()[-1]

    def shown(self, window_class: str) -> bool:
        return bool(self.xdotool("search", "--onlyvisible", "--class", window_class))

    def wait_gone(self, window_class: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.shown(window_class):
            assert time.monotonic() < deadline, f"{window_class} still shown"

    def type(self, window: str, text: str) -> None:
        self.xdotool("windowfocus", "--sync", window)
        self.xdotool("type", "--delay", "30", text)

    def key(self, window: str, key: str) -> None:
        self.xdotool("windowfocus", "--sync", window)
        self.xdotool("key", key)

    def close(self, window: str) -> None:
        self.xdotool("windowclose", window)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        subprocess.run(["scrot", "--overwrite", str(path)], env=self.env, check=True,
                       capture_output=True, timeout=20)
        return path


@pytest.fixture(scope="session")
def screen(display: str) -> Screen:
    return Screen(display)


class Agent:
    """`openivan-signer` running as its own process, and an HTTP client that is a web page."""

    def __init__(self, base: Path, token_dir: Path, display: str | None,
                 **settings: Any) -> None:
        tokens = base / "tokens"
        shutil.copytree(token_dir, tokens)
        self.token_dir = tokens
        self.conf = _softhsm_conf(base, tokens)
        self.state = base / "state"
        values: dict[str, Any] = {
            "ports": [free_port()], "modules": [SOFTHSM_MODULE], "search_catalogue": False,
            "state_dir": str(self.state), "preapproved_origins": [ORIGIN], **settings}
        lines = [f"{k} = {json.dumps(v)}" for k, v in values.items()]  # JSON values are TOML
        self.config = base / "config.toml"
        self.config.write_text("\n".join(lines) + "\n")
        env = {**os.environ, "SOFTHSM2_CONF": str(self.conf)}
        env.pop("DISPLAY", None)
        if display:
            env["DISPLAY"] = display
        self.env = env
        self.process = subprocess.Popen(
            [sys.executable, "-m", "openivan.signer_agent", "--config", str(self.config)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # printed once the port listens
        assert "listening on" in line, line + self.process.stderr.read()
        self.url = line.split("listening on ", 1)[1].split()[0]
        self.port = int(self.url.rsplit(":", 1)[1])

    def request(self, method: str, path: str, *, origin: str | None = ORIGIN,
                timeout: float = 60, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        if origin is not None:
            headers["Origin"] = origin
        return httpx.request(method, self.url + path, headers=headers, timeout=timeout, **kw)

    def certificates(self, origin: str = ORIGIN) -> list[dict[str, Any]]:
        answer = self.request("GET", "/v1/certificates", origin=origin)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["certificates"])

    def certificate_id(self, tax_code: str, *, expired: bool = False) -> str:
        return next(c["id"] for c in self.certificates()
                    if c["tax_code"] == tax_code and c["expired"] == expired)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "openivan.signer_agent", "--config",
                               str(self.config), *args], env=self.env, capture_output=True,
                              text=True, timeout=60)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


@pytest.fixture
def start_agent(token_dir: Path, display: str,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    started: list[Agent] = []

    def start(*, with_display: bool = True, **settings: Any) -> Agent:
        agent = Agent(tmp_path_factory.mktemp("agent"), token_dir,
                      display if with_display else None, **settings)
        started.append(agent)
        return agent

    yield start
    for agent in started:
        agent.stop()


@pytest.fixture
def agent(start_agent: Any) -> Agent:
    return start_agent()


def unsigned(tax_code: str = UNIT_MST) -> bytes:
    """An unsigned envelope carrying a 04/ĐK-IVAN of the unit with that MST."""
    return codec.to_bytes(samples.envelope_for(samples.registration(tax_code=tax_code),
                                              tax_code=tax_code))


def documents(*items: bytes) -> list[dict[str, str]]:
    import base64

    return [{"id": f"doc-{n}", "xml": base64.b64encode(data).decode()}
            for n, data in enumerate(items)]


def in_background(function: Any, *args: Any, **kw: Any) -> SimpleNamespace:
    """Run a blocking call (a signing request waiting on the window) in a thread."""
    import threading

    outcome = SimpleNamespace(value=None, error=None, thread=None)

    def run() -> None:
        try:
            outcome.value = function(*args, **kw)
        except Exception as exc:  # surfaced by the test
            outcome.error = exc

    outcome.thread = threading.Thread(target=run, daemon=True)
    outcome.thread.start()
    return outcome
