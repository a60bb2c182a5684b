"""The systemd units of deploy/: valid for systemd itself, and they restart a crashed process
without cutting a stopping worker's email short."""

from __future__ import annotations

import configparser
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import OPENIVAN

UNITS = sorted((Path(__file__).parents[2] / "deploy" / "systemd").glob("*.service"))


def _service(unit: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(unit)
    return parser["Service"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_accepts_the_unit(unit: Path, tmp_path: Path) -> None:
    # Where the package is installed here instead of /opt: systemd checks the command exists.
    installed = tmp_path / unit.name
    installed.write_text(unit.read_text().replace("/opt/openivan/.venv/bin/openivan", OPENIVAN))
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no", str(installed)],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_a_crashed_process_is_started_again(unit: Path) -> None:
    service = _service(unit)
    assert service["Restart"] == "on-failure" and service["KillSignal"] == "SIGTERM"


def test_the_two_web_instances_listen_where_nginx_sends_them_behind_it() -> None:
    [web] = [unit for unit in UNITS if unit.name == "openivan-web@.service"]
    environment = _service(web)["Environment"]
    upstream = (UNITS[0].parents[1] / "nginx" / "openivan-upstream.conf").read_text()
    bind = environment.split("OPENIVAN_BIND=")[1].split()[0]
    for instance in ("1", "2"):
        assert f"server {bind.replace('%i', instance)} " in upstream


def test_systemd_waits_for_the_worker_to_finish_the_email_in_hand() -> None:
    [worker] = [unit for unit in UNITS if unit.name == "openivan-worker.service"]
    assert int(_service(worker)["TimeoutStopSec"]) > settings.OPENIVAN_WORKER_STOP_SECONDS
