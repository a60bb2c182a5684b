"""Registering I-VAN providers at the agency with `openivan manage provider`: the API key is
shown once, rotates, can be suspended; every change is in the audit log."""

from __future__ import annotations

import getpass
import textwrap
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from openivan.agency import services
from openivan.agency.models import IvanProvider
from openivan.core.errors import OpenIvanError
from openivan.core.pki import facts
from openivan.devpki import DevPKI
from openivan.platform.models import AuditEvent
from tests.staff import sign_in_staff


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
@pytest.mark.parametrize("action", ["rotate-key", "suspend", "activate", "show"])
def test_an_unknown_provider_is_named_in_the_error(action, monkeypatch):
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    with pytest.raises(CommandError, match="PROVIDER_NOT_FOUND: Không có tổ chức I-VAN mã 99999"):
        provider_command(action, "99999")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(CommandError,
                       match="PROVIDER_NOT_FOUND: There is no I-VAN provider with code 99999"):
        provider_command(action, "99999")
    assert not AuditEvent.objects.exists()


# ---------------------------------------------------------------- certificates


def pem_file(certificate: x509.Certificate, path: Path) -> Path:
    path.write_bytes(certificate.public_bytes(Encoding.PEM))
    return path


def certificate_with(uid: str, *, days: int = 365,
                     usage: str = "digital_signature") -> x509.Certificate:
    """A certificate as the agency's operator might be handed one (registration reads what it
    says; the intake checks its chain)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.USER_ID, uid),
                      x509.NameAttribute(NameOID.COMMON_NAME, "CÔNG TY CỔ PHẦN I-VAN MỚI")])
    now = datetime.now(UTC)
    usages = dict.fromkeys(["digital_signature", "content_commitment", "key_encipherment",
                            "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign",
                            "encipher_only", "decipher_only"], False)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=400)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.KeyUsage(**{**usages, usage: True}), critical=True)
            .sign(key, hashes.SHA256()))


@pytest.mark.django_db
def test_a_renewed_certificate_countersigns_beside_the_old_until_the_old_is_removed(
        provider, envelope, pki, tmp_path):
    old, renewed = pki.certificate("provider"), pki.certificate("provider-renewed")
    line = provider_command("add-cert", provider.code,
                            "--cert", str(pem_file(renewed, tmp_path / "renewed.pem")))
    assert line.startswith(f"cert\t{facts(renewed).thumbprint_sha256}\t2030-01-01\t")
    assert provider.post(envelope(provider="provider")).status_code == 201
    assert provider.post(envelope(provider="provider-renewed")
                         ).status_code == 201

    provider_command("remove-cert", provider.code,
                     "--cert", str(pem_file(old, tmp_path / "old.pem")))
    refused = provider.post(envelope(provider="provider"))
    assert refused.status_code == 422 and refused.json()["code"] == "PROVIDER_CERT_UNKNOWN"
    assert provider.post(envelope(provider="provider-renewed")
                         ).status_code == 201
    shown = provider_command("show", provider.code).splitlines()
    assert len(shown) == 3 and shown[1] == "countersignature\trequired"
    assert facts(renewed).thumbprint_sha256 in shown[2]
    assert list(AuditEvent.objects.filter(target=f"provider:{provider.code}").order_by("id")
                .values_list("action", flat=True)) == [
        "provider.registered", "provider.certificate_added", "provider.certificate_removed"]


@pytest.mark.django_db
def test_a_thumbprint_is_taken_as_vendors_print_it(provider, pki):
    services.add_certificate(provider.code, pki.certificate("provider-renewed"))
    printed = ":".join(textwrap.wrap(facts(pki.certificate("provider")).thumbprint_sha256.lower(),
                                     2))
    provider_command("remove-cert", provider.code, "--thumbprint", printed)
    assert IvanProvider.objects.get().certificate_thumbprints == [
        facts(pki.certificate("provider-renewed")).thumbprint_sha256]


@pytest.mark.django_db
@pytest.mark.parametrize(("certificate", "code"), [
    (lambda pki: pki.certificate("unit"), "PROVIDER_CERT_MST"),
    (lambda pki: pki.certificate("provider"), "PROVIDER_CERT_EXISTS"),
    (lambda pki: certificate_with("MST:0100109106", days=-1), "CERT_EXPIRED"),
    (lambda pki: certificate_with("MST:0100109106", usage="key_encipherment"),
     "CERT_KEY_USAGE"),
], ids=["another-mst", "registered", "expired", "not-for-signing"])
def test_a_certificate_the_provider_cannot_countersign_with_is_refused(
        provider, pki, tmp_path, certificate, code):
    path = pem_file(certificate(pki), tmp_path / "c.pem")
    with pytest.raises(CommandError, match=code):
        provider_command("add-cert", provider.code, "--cert", str(path))
    registered = IvanProvider.objects.get()
    original = facts(pki.certificate("provider")).thumbprint_sha256
    assert registered.certificate_thumbprints == [original]
    assert registered.certificates.count() == 1
    assert not AuditEvent.objects.filter(action="provider.certificate_added").exists()


@pytest.mark.django_db
def test_registering_with_another_mst_certificate_is_refused(pki, tmp_path):
    path = pem_file(pki.certificate("unit"), tmp_path / "unit.pem")
    with pytest.raises(CommandError, match="PROVIDER_CERT_MST"):
        register(path)
    assert not IvanProvider.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_the_last_certificate_is_not_removed(provider, pki, monkeypatch):
    """With none left, any certificate carrying the provider's MST would countersign."""
    monkeypatch.setenv("LANG", "vi_VN.UTF-8")
    thumbprint = facts(pki.certificate("provider")).thumbprint_sha256
    with pytest.raises(CommandError, match="PROVIDER_CERT_LAST: Không gỡ được chứng thư số "
                       "cuối cùng"):
        provider_command("remove-cert", provider.code, "--thumbprint", thumbprint)
    with pytest.raises(CommandError, match="PROVIDER_CERT_NOT_REGISTERED"):
        provider_command("remove-cert", provider.code, "--thumbprint", "AB" * 32)
    with pytest.raises(CommandError, match="PROVIDER_NOT_FOUND"):
        provider_command("remove-cert", "99999", "--thumbprint", thumbprint)
    assert IvanProvider.objects.get().certificate_thumbprints == [thumbprint]
    assert not AuditEvent.objects.filter(action="provider.certificate_removed").exists()


@pytest.mark.django_db
def test_the_admin_shows_a_providers_certificates_read_only(provider, pki):
    root = get_user_model().objects.create_superuser("quantri", "qt@bhxh.gov.vn", "x")
    client = Client()
    sign_in_staff(client, root)
    registered = IvanProvider.objects.get()
    page = client.get(f"/admin/agency/ivanprovider/{registered.pk}/change/").content.decode()
    assert facts(pki.certificate("provider")).subject in page  # the inline row
    assert 'name="certificates-0-thumbprint"' not in page  # shown, not an input
    assert 'name="certificates-0-DELETE"' not in page


# ---------------------------------------------------------------- a rotation with overlap


def rotate(code: str, *args: str) -> tuple[str, str]:
    """The new key (stdout) and the note about the old one (stderr)."""
    out, err = StringIO(), StringIO()
    call_command("provider", "rotate-key", code, *args, stdout=out, stderr=err)
    return out.getvalue().strip().split("\t")[1], err.getvalue().strip()


@pytest.mark.django_db
def test_an_old_key_kept_after_a_rotation_works_beside_the_new_one_until_its_time(provider):
    old = provider.api_key
    new, note = rotate(provider.code, "--keep-old-hours", "24")
    assert note.startswith("old key accepted until ")
    lookup = "/dossiers/BHXH-20990101-000001"  # the provider's client still sends the old key
    assert provider.get(lookup).json()["code"] == "DOSSIER_NOT_FOUND"
    for key in (old, new):
        assert services.authenticate(key).code == provider.code
    assert "old key\t" in provider_command("show", provider.code)
    IvanProvider.objects.update(previous_key_until=timezone.now())  # its time has come
    assert provider.get(lookup).json()["code"] == "PROVIDER_AUTH_FAILED"
    assert services.authenticate(new).code == provider.code
    assert "old key\t" not in provider_command("show", provider.code)
    event = AuditEvent.objects.get(action="provider.key_rotated")
    assert event.details["old_key_until"] is not None


@pytest.mark.django_db
def test_a_second_rotation_or_a_suspension_stops_the_kept_key(provider):
    old = provider.api_key
    kept, _ = rotate(provider.code, "--keep-old-hours", "24")
    newest, note = rotate(provider.code)
    assert note == "old key no longer accepted"
    for key in (old, kept):
        with pytest.raises(OpenIvanError, match="PROVIDER_AUTH_FAILED"):
            services.authenticate(key)
    kept_again, _ = rotate(provider.code, "--keep-old-hours", "1")
    services.set_provider_active(provider.code, False)
    for key in (newest, kept_again):
        with pytest.raises(OpenIvanError, match="PROVIDER_AUTH_FAILED"):
            services.authenticate(key)


@pytest.mark.django_db
@pytest.mark.parametrize("hours", ["-1", "169"])
def test_an_overlap_out_of_bounds_is_refused_and_the_key_stays(provider, hours):
    with pytest.raises(CommandError, match="PROVIDER_KEY_OVERLAP_INVALID"):
        rotate(provider.code, "--keep-old-hours", hours)
    assert services.authenticate(provider.api_key).code == provider.code
    assert not AuditEvent.objects.filter(action="provider.key_rotated").exists()


@pytest.mark.django_db
def test_the_countersignature_is_a_setting_of_each_provider(provider, pki, tmp_path):
    provider_command("register", "--code", "00077", "--name", "I-VAN THẬT", "--mst",
                     "0100109106", "--no-countersignature")
    assert not IvanProvider.objects.get(code="00077").countersignature_required
    assert IvanProvider.objects.get(code=provider.code).countersignature_required  # default
    provider_command("countersignature", provider.code, "optional")
    assert "countersignature\toptional" in provider_command("show", provider.code)
    provider_command("countersignature", provider.code, "required")
    assert IvanProvider.objects.get(code=provider.code).countersignature_required
    assert list(AuditEvent.objects.filter(target=f"provider:{provider.code}").order_by("id")
                .values_list("action", flat=True))[-2:] == [
        "provider.countersignature_optional", "provider.countersignature_required"]
