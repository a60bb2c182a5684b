"""Registering I-VAN providers at the agency with `openivan manage provider`: the API key is
shown once, rotates, can be suspended; every change is in the audit log."""

from __future__ import annotations

import getpass
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.management import CommandError, call_command

from openivan.agency import services
from openivan.agency.models import IvanProvider
from openivan.conf.models import AuditEvent
from openivan.core.pki import facts
from openivan.devpki import DevPKI


def provider_command(*args: str) -> str:
    out = StringIO()
    call_command("provider", *args, stdout=out)
    return out.getvalue().strip()


@pytest.fixture
def provider_pem(pki: DevPKI, tmp_path: Path) -> Path:
    path = tmp_path / "provider.pem"
    path.write_bytes(pki.certificate("provider").public_bytes(Encoding.PEM))
    return path


def register(provider_pem: Path, code: str = "00077") -> str:
    line = provider_command("register", "--code", code, "--name", "I-VAN Mới",
                            "--mst", "0100109106", "--cert", str(provider_pem))
    registered, key = line.split("\t")
    assert registered == code
    return key


@pytest.mark.django_db
def test_a_registered_provider_authenticates_with_the_key_shown_once(provider_pem, pki):
    key = register(provider_pem)
    provider = services.authenticate(key)
    assert (provider.code, provider.tax_code) == ("00077", "0100109106")
    thumbprint = facts(pki.certificate("provider")).thumbprint_sha256
    assert provider.certificate_thumbprints == [thumbprint]
    assert key.split(".")[1] not in provider.api_key_hash  # only its hash is stored
    event = AuditEvent.objects.get(target="provider:00077")
    assert (event.actor, event.action) == (f"cli:{getpass.getuser()}", "provider.registered")


@pytest.mark.django_db
def test_a_rotated_key_replaces_the_old_one_at_once(provider_pem):
    old = register(provider_pem)
    new = provider_command("rotate-key", "00077").split("\t")[1]
    assert services.authenticate(new).code == "00077"
    with pytest.raises(Exception, match="PROVIDER_AUTH_FAILED"):
        services.authenticate(old)
    assert AuditEvent.objects.filter(action="provider.key_rotated").count() == 1


@pytest.mark.django_db
def test_a_suspended_provider_is_refused_until_activated(provider_pem):
    key = register(provider_pem)
    provider_command("suspend", "00077")
    with pytest.raises(Exception, match="PROVIDER_AUTH_FAILED"):
        services.authenticate(key)
    assert "suspended" in provider_command("list")
    provider_command("activate", "00077")
    assert services.authenticate(key).code == "00077"
    assert list(AuditEvent.objects.filter(target="provider:00077").order_by("id")
                .values_list("action", flat=True)) == [
        "provider.registered", "provider.suspended", "provider.activated"]


@pytest.mark.django_db
def test_a_code_registered_twice_is_refused_and_changes_nothing(provider_pem):
    key = register(provider_pem)
    with pytest.raises(CommandError, match="PROVIDER_EXISTS"):
        register(provider_pem)
    assert services.authenticate(key).code == "00077"
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "code"), [
    (["--code", "00 77", "--mst", "0100109106", "--name", "X"], "PROVIDER_CODE_INVALID"),
    (["--code", "00077", "--mst", "0100109107", "--name", "X"], "MST_CHECKSUM"),
    (["--code", "00077", "--mst", "0100109106", "--name", " "], "PROVIDER_NAME_INVALID"),
    (["--code", "00077", "--mst", "0100109106", "--name", "X" * 201], "PROVIDER_NAME_INVALID"),
])
def test_bad_registrations_are_refused_with_their_code(provider_pem, args, code):
    with pytest.raises(CommandError, match=code):
        provider_command("register", "--cert", str(provider_pem), *args)
    assert not IvanProvider.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_an_unreadable_certificate_is_refused_in_the_shells_language(tmp_path, monkeypatch):
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    for path in (junk, tmp_path / "missing.pem"):
        with pytest.raises(CommandError, match=f"CERT_UNREADABLE: Không đọc được chứng thư số "
                           f"từ tệp {path}"):
            provider_command("register", "--code", "00077", "--name", "X", "--mst",
                             "0100109106", "--cert", str(path))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(CommandError, match=r"CERT_UNREADABLE: No certificate could be read "
                       r"from .*missing\.pem: .* \(No such file or directory\)"):
        provider_command("register", "--code", "00077", "--name", "X", "--mst", "0100109106",
                         "--cert", str(tmp_path / "missing.pem"))
    assert not IvanProvider.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["rotate-key", "suspend", "activate"])
def test_an_unknown_provider_is_named_in_the_error(action, monkeypatch):
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    with pytest.raises(CommandError, match="PROVIDER_NOT_FOUND: Không có tổ chức I-VAN mã 99999"):
        provider_command(action, "99999")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(CommandError,
                       match="PROVIDER_NOT_FOUND: There is no I-VAN provider with code 99999"):
        provider_command(action, "99999")
    assert not AuditEvent.objects.exists()
