"""Documents signed per second through the signing agent's HTTP API, beside core's own PKCS#11
signing of the same documents in the same run (issue 25).

    .venv/bin/python benchmarks/bench_signer_agent.py [--batch 100] [--rounds 3]

Set-up, all real: the dev PKI, a SoftHSM2 token holding the unit's key, an X server (Xvfb) for
the agent's window, `openivan-signer` as its own process. Each round posts a batch of `--batch`
04/ĐK-IVAN envelopes to /v1/sign; the window opens (no setting skips it), xdotool types the PIN
(first round) and approves once. The agent's rate is the batch over the request's wall time
less the time its window waited for the user (which the agent reports); core's rate is
`xmlsig.sign` with a logged-in `Pkcs11Token` key over the same bytes. Best round of each.
Target: agent >= 1/2 of core (the agent's HTTP and parsing cost no more than the signing).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization

from openivan.core.dossier import sign_envelope
from openivan.core.xml import codec
from openivan.devpki import DevPKI, samples

TARGET_RATIO = 1 / 2
MODULE = "/usr/lib/softhsm/libsofthsm2.so"
LABEL, PIN, ORIGIN = "bench", "1234", "https://bench.test"


def make_token(pki: DevPKI, base: Path) -> dict[str, str]:
    tokens = base / "tokens"
    tokens.mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    key, cert = base / "unit.key.pem", base / "unit.der"
    key.write_bytes(pki.private_key_pem("unit"))
    cert.write_bytes(pki.certificate("unit").public_bytes(serialization.Encoding.DER))
    for command in (
        ["softhsm2-util", "--init-token", "--free", "--label", LABEL, "--so-pin", "12345678",
         "--pin", PIN],
        ["softhsm2-util", "--import", str(key), "--token", LABEL, "--label", "unit", "--id",
         "01", "--pin", PIN],
        ["pkcs11-tool", "--module", MODULE, "--token-label", LABEL, "--login", "--pin", PIN,
         "--write-object", str(cert), "--type", "cert", "--id", "01", "--label", "unit"],
    ):
        subprocess.run(command, check=True, capture_output=True, env=env)
    key.unlink()
    return env


def unit_signs(data: bytes, key: Any) -> bytes:
    """Core's own signing of an envelope by its unit: each attached declaration in its `Cky`,
    then the envelope."""
    return bytes(sign_envelope(data, key))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24",
                             "-nolisten", "tcp"], pass_fds=(write,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as stream:
        return xvfb, ":" + stream.readline().strip()


def xdotool(display: str, *args: str) -> str:
    done = subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display},
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip()


def approve_in_window(display: str, pin: str | None) -> None:
    window = xdotool(display, "search", "--sync", "--onlyvisible", "--class",
                     "OpenIvanSign").splitlines()[-1]
    xdotool(display, "windowfocus", "--sync", window)
    if pin:
        xdotool(display, "type", "--delay", "20", pin)
    xdotool(display, "key", "Return")


def agent_round(url: str, certificate: str, batch: list[bytes], display: str,
                pin: str | None) -> float:
    body = {"certificate": certificate, "documents": [
        {"id": str(n), "xml": base64.b64encode(d).decode()} for n, d in enumerate(batch)]}
    outcome: dict[str, Any] = {}

    def post() -> None:
        started = time.perf_counter()
        answer = httpx.post(url + "/v1/sign", json=body, headers={"Origin": ORIGIN},
                            timeout=600)
        outcome["seconds"] = time.perf_counter() - started
        outcome["answer"] = answer

    thread = threading.Thread(target=post)
    thread.start()
    approve_in_window(display, pin)
    thread.join()
    answer = outcome["answer"].json()
    signed = [r for r in answer.get("results", []) if r.get("ok")]
    if len(signed) != len(batch):
        raise SystemExit(f"the agent signed {len(signed)} of {len(batch)}: {answer}")
    return len(batch) / (outcome["seconds"] - answer["waited_for_user_seconds"])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-signer-"))
    xvfb, display = start_xvfb()
    agent: subprocess.Popen[str] | None = None
    try:
        pki = DevPKI.create(base / "pki")
        env = make_token(pki, base)
        batch = [codec.to_bytes(samples.envelope_for(samples.registration()))
                 for _ in range(args.batch)]
        config = base / "config.toml"
        config.write_text("\n".join(f"{k} = {json.dumps(v)}" for k, v in {
            "ports": [free_port()], "modules": [MODULE], "search_catalogue": False,
            "state_dir": str(base / "state"), "preapproved_origins": [ORIGIN],
            "session_minutes": 30}.items()) + "\n")
        agent = subprocess.Popen(
            [sys.executable, "-m", "openivan.signer_agent", "--config", str(config)],
            env={**env, "DISPLAY": display}, stdout=subprocess.PIPE, text=True)
        assert agent.stdout is not None
        line = agent.stdout.readline()
        url = line.split("listening on ", 1)[1].split()[0]
        listing = httpx.get(url + "/v1/certificates", headers={"Origin": ORIGIN}).json()
        certificate = listing["certificates"][0]["id"]

        # Core, in this process, on the same token (its own session) and the same bytes.
        os.environ["SOFTHSM2_CONF"] = env["SOFTHSM2_CONF"]
        from openivan.core.signers.pkcs11 import Pkcs11Token

        core_rates = []
        agent_rates = []
        for round_ in range(args.rounds):
            agent_rates.append(agent_round(url, certificate, batch, display,
                                           PIN if round_ == 0 else None))
            with Pkcs11Token.open(LABEL, PIN, MODULE) as token:
                key = token.key_for(token.certificates()[0])
                started = time.perf_counter()
                for data in batch:
                    unit_signs(data, key)
                core_rates.append(len(batch) / (time.perf_counter() - started))
    finally:
        if agent is not None:
            agent.terminate()
            agent.wait(20)
        xvfb.terminate()
        xvfb.wait(20)
        shutil.rmtree(base, ignore_errors=True)

    core, through_agent = max(core_rates), max(agent_rates)
    ratio = through_agent / core
    print(f"batch                        : {args.batch} envelopes of {len(batch[0])} bytes, "
          f"{args.rounds} rounds, each approved once in the agent's window (Xvfb)")
    print(f"core PKCS#11 sign (SoftHSM2) : {core:8.1f} docs/s  (baseline; rounds "
          + ", ".join(f"{r:.0f}" for r in core_rates) + ")")
    print(f"through the agent's HTTP API : {through_agent:8.1f} docs/s  ratio {ratio:.2f} "
          f"(target >= {TARGET_RATIO:.2f}; rounds "
          + ", ".join(f"{r:.0f}" for r in agent_rates) + ")")
    ok = ratio >= TARGET_RATIO
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
