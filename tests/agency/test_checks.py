"""`openivan manage check --deploy` finds the agency's own material broken before the first
dossier does: its signing key and certificate, its trust store, revocation turned off."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from openivan.agency.checks import agency_signing_key, trust_and_revocation
from openivan.devpki import DevPKI


def ids(messages) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.id for m in messages]


@pytest.fixture
def agency_p12(settings, pki: DevPKI, tmp_path):  # type: ignore[no-untyped-def]
    def install(label: str = "agency", password: str = "pw"):  # type: ignore[no-untyped-def]
        path = tmp_path / f"{label}.p12"
        path.write_bytes(pki.pkcs12(label, "pw"))
        settings.OPENIVAN_AGENCY_P12, settings.OPENIVAN_AGENCY_P12_PASSWORD = str(path), password
        return pki.certificate(label)

    return install


def test_a_sound_key_and_trust_store_raise_nothing(agency_p12, settings, trust_dir):
    agency_p12()
    settings.OPENIVAN_TRUST_STORE, settings.OPENIVAN_REVOCATION = str(trust_dir), "hard"
    assert agency_signing_key() == [] and trust_and_revocation() == []


def test_a_missing_key_file_is_an_error(settings, tmp_path):
    settings.OPENIVAN_AGENCY_P12 = str(tmp_path / "nowhere.p12")
    [error] = agency_signing_key()
    assert error.id == "openivan.E001" and "nowhere.p12" in error.msg


def test_a_wrong_password_is_an_error(agency_p12):
    agency_p12(password="not-the-password")
    assert ids(agency_signing_key()) == ["openivan.E002"]


def test_an_expired_or_not_yet_valid_certificate_is_an_error(agency_p12):
    agency_p12("unit-expired")
    assert ids(agency_signing_key()) == ["openivan.E003"]
    agency_p12("unit-future")
    assert ids(agency_signing_key()) == ["openivan.E003"]


def test_a_month_before_expiry_the_certificate_is_a_warning(agency_p12):
    end = agency_p12().not_valid_after_utc
    assert agency_signing_key(now=end - timedelta(days=31)) == []
    [warning] = agency_signing_key(now=end - timedelta(days=29))
    assert warning.id == "openivan.W004" and f"{end + timedelta(hours=7):%d/%m/%Y}" in warning.msg
    assert ids(agency_signing_key(now=end)) == ["openivan.E003"]


def test_a_certificate_not_for_signing_is_an_error(agency_p12):
    agency_p12("unit-encipher-only")
    assert ids(agency_signing_key()) == ["openivan.E005"]


def test_an_empty_trust_store_is_an_error_and_revocation_off_a_warning(settings, tmp_path):
    settings.OPENIVAN_TRUST_STORE, settings.OPENIVAN_REVOCATION = str(tmp_path), "off"
    assert ids(trust_and_revocation()) == ["openivan.E006", "openivan.W007"]


def check(tmp_path, *options: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    """`openivan manage check` on a fresh install: no key and no trust store in its home."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENIVAN_", "DEBUG"))}
    return subprocess.run(
        [sys.executable, "-m", "openivan.cli", "manage", "check", *options],
        capture_output=True, text=True, timeout=120,
        env={**clean, "DJANGO_SETTINGS_MODULE": "openivan.conf.settings",
             "OPENIVAN_HOME": str(tmp_path), "SECRET_KEY": "k" * 60 + "-production-like"})


def test_the_deploy_check_command_reports_them(tmp_path):
    result = check(tmp_path, "--deploy")
    assert result.returncode != 0
    assert "openivan.E001" in result.stderr and "openivan.E006" in result.stderr


def test_checks_are_not_run_by_ordinary_commands(tmp_path):
    """A fresh install migrates before it has its key: only `check --deploy` asks for it."""
    result = check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "openivan.E" not in result.stderr
