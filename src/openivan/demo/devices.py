"""The demo unit's signing devices, so the tour can add a certificate as a unit does:

- a USB token: a SoftHSM2 token holding the demo unit's key and certificate, and the demo
  person's for the individuals' portal (made at the first run, kept in var/demo/softhsm),
  reached through the signing agent (`openivan-signer`) the demo
  starts on one of OPENIVAN_SIGNER_PORTS, with the demo's web origin approved beforehand;
- a remote HSM: the CSC test service (openivan.devpki.csc) on 127.0.0.1:8002, opened by the
  account and password the banner prints.

Each is optional: a machine without SoftHSM2 gets a demo without the token, and says so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from openivan.demo.files import SIGNER_PORTS, TOKEN_LABEL, TOKEN_PIN, WEB_ADDRESS, DemoFiles
from openivan.devpki import DevPKI

SOFTHSM_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_KEY_LABEL = "unit"  # the demo unit's key and certificate in the PKI and on the token
# The demo person's (Nguyễn Văn An, CCCD 001090000001): the individuals' portal signs with it.
PERSON_KEY_LABEL = "person-cccd"
# Bumped when the token gains a key: a demo folder made before gets its token made again.
TOKEN_VERSION = "made-2"
AGENT_START_SECONDS = 15.0


@dataclass(frozen=True)
class Token:
    conf: Path  # SOFTHSM2_CONF: where SoftHSM2 keeps this token


def prepare_token(files: DemoFiles, pki: DevPKI) -> Token | None:
    """The demo token, made once: its key exists only on the token from then on. None when
    SoftHSM2 or OpenSC (pkcs11-tool) is not installed (`make demo` installs both)."""
    if not (Path(SOFTHSM_MODULE).exists() and shutil.which("softhsm2-util")
            and shutil.which("pkcs11-tool")):
        return None
    base = files.root / "softhsm"
    token = Token(base / "softhsm2.conf")
    done = base / TOKEN_VERSION
    if done.exists():
        return token
    shutil.rmtree(base, ignore_errors=True)  # a half-made token from an interrupted run
    (base / "tokens").mkdir(parents=True)
    token.conf.write_text(f"directories.tokendir = {base / 'tokens'}\n"
                          "objectstore.backend = file\nlog.level = ERROR\n")
    env = dict(os.environ, SOFTHSM2_CONF=str(token.conf))

    def run(*command: str) -> None:
        subprocess.run(command, check=True, capture_output=True, env=env)

    run("softhsm2-util", "--init-token", "--free", "--label", TOKEN_LABEL, "--so-pin",
        "12345678", "--pin", TOKEN_PIN)
    for label, object_id in ((TOKEN_KEY_LABEL, "01"), (PERSON_KEY_LABEL, "02")):
        key, cert = base / f"{label}.key.pem", base / f"{label}.der"
        key.touch(mode=0o600)
        key.write_bytes(pki.private_key_pem(label))
        cert.write_bytes(pki.certificate(label).public_bytes(Encoding.DER))
        try:
            run("softhsm2-util", "--import", str(key), "--token", TOKEN_LABEL, "--label",
                label, "--id", object_id, "--pin", TOKEN_PIN)
            run("pkcs11-tool", "--module", SOFTHSM_MODULE, "--token-label", TOKEN_LABEL,
                "--login", "--pin", TOKEN_PIN, "--write-object", str(cert), "--type", "cert",
                "--id", object_id, "--label", label)
        finally:
            key.unlink()
    done.touch()
    return token


@dataclass(frozen=True)
class Signer:
    process: subprocess.Popen[bytes]
    port: int


def start_signer(files: DemoFiles, token: Token) -> Signer | None:
    """`openivan-signer` with the demo token's module only, the demo's web origin approved (a
    pairing window is not needed; every signing still shows the agent's window, and without a
    display the agent lists certificates but signs nothing). None if it did not start."""
    state = files.root / "signer"
    state.mkdir(parents=True, exist_ok=True)
    (state / "agent.json").unlink(missing_ok=True)
    port = WEB_ADDRESS.rsplit(":", 1)[1]
    settings = {"ports": SIGNER_PORTS, "modules": [SOFTHSM_MODULE], "search_catalogue": False,
                "state_dir": str(state),
                "preapproved_origins": [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]}
    config = files.root / "signer.toml"
    # JSON values are TOML values.
    config.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items()))
    signer = str(Path(sys.executable).parent / "openivan-signer")
    process = subprocess.Popen([signer, "--config", str(config)],
                               env=dict(os.environ, SOFTHSM2_CONF=str(token.conf)),
                               start_new_session=True)
    deadline = time.monotonic() + AGENT_START_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        try:  # written once it listens: the port it took
            return Signer(process, int(json.loads((state / "agent.json").read_text())["port"]))
        except (OSError, ValueError, KeyError):
            time.sleep(0.1)
    if process.poll() is None:
        process.kill()
    process.wait()
    return None
