"""Chứng thư số: adding a unit's certificate from an HSM (CSC), a USB token (through the
signing agent in the user's browser) or a file, with the same checks whatever the source."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import IntegrityError, transaction
from django.utils import timezone

from openivan.core.errors import OpenIvanError
from openivan.core.pki.admission import (
    EXPIRY_WARNING_DAYS,
    admit_unit_certificate,
    expiry_warning,
)
from openivan.core.pki.facts import CertificateFacts, facts, load_certificate
from openivan.core.signers.csc import CscAccount, CscClient, account_credentials
from openivan.core.signers.pkcs12 import Pkcs12Key
from openivan.notify.services import queue_email
from openivan.platform import sealing
from openivan.platform.services import audit
from openivan.provider import settings as provider_settings
from openivan.provider.models import CertificateSource, CertificateStatus, Unit, UnitCertificate


@dataclass(frozen=True)
class Offered:
    """A certificate the unit may choose ("Lấy dữ liệu chứng thư"), or why it may not."""

    credential: str  # the CSC credential id, or the token's key id
    facts: CertificateFacts
    refusal: OpenIvanError | None


def hsm_certificates(unit: Unit, hsm: CscAccount) -> list[Offered]:
    """Lấy dữ liệu chứng thư: the account's credentials with their certificates, each judged
    (CSC_AUTH_FAILED or CSC_UNAVAILABLE when the account or the service fails)."""
    found = account_credentials(hsm.url, hsm.account, hsm.password)
    return [_offered(unit, c.credential_id, c.certificate) for c in found]


def judge(unit: Unit, credential: str, certificate_der: bytes) -> Offered:
    """A certificate a token offered (through the signing agent), judged for this unit."""
    return _offered(unit, credential, load_certificate(certificate_der))


def add_hsm_certificate(unit: Unit, hsm: CscAccount, credential: str,
                        by: audit.Actor) -> UnitCertificate:
    """Xác nhận: the chosen credential, fetched again from the service (not taken from the
    page), checked and kept with the account; the password sealed."""
    client = CscClient(hsm.url, hsm.account, hsm.password)
    try:
        client.login()
        cert = client.credential(credential).certificate
    finally:
        client.close()
    return _add(unit, cert, CertificateSource.HSM, by, hsm_url=hsm.url, hsm_account=hsm.account,
                hsm_sealed_password=sealing.seal(hsm.password), hsm_credential=credential)


def add_token_certificate(unit: Unit, certificate_der: bytes, token_label: str,
                          by: audit.Actor) -> UnitCertificate:
    return _add(unit, load_certificate(certificate_der), CertificateSource.TOKEN, by,
                token_label=token_label[:100])


def add_file_certificate(unit: Unit, cert: x509.Certificate, by: audit.Actor, *,
                         pkcs12: bytes = b"", password: str = "") -> UnitCertificate:
    """A certificate from a PKCS#12 file (the demo and tests); with the file, the server
    signs with it, the file and its password sealed at rest."""
    sealed = b""
    if pkcs12:
        sealed = sealing.seal(json.dumps({"p12": base64.b64encode(pkcs12).decode(),
                                          "password": password}))
    return _add(unit, cert, CertificateSource.FILE, by, sealed_key_file=sealed)


def file_key(certificate: UnitCertificate) -> Pkcs12Key:
    """The key of a certificate added with its file; CERTIFICATE_KEY_ABSENT otherwise."""
    if not bytes(certificate.sealed_key_file):
        raise OpenIvanError("CERTIFICATE_KEY_ABSENT", serial=certificate.serial)
    kept = json.loads(sealing.unseal(bytes(certificate.sealed_key_file)))
    return Pkcs12Key.load(base64.b64decode(kept["p12"]), kept["password"])


def hsm_password(certificate: UnitCertificate) -> str:
    return sealing.unseal(bytes(certificate.hsm_sealed_password))


def _offered(unit: Unit, credential: str, cert: x509.Certificate) -> Offered:
    try:
        _admit(unit, cert, timezone.now())
    except OpenIvanError as refusal:
        return Offered(credential, facts(cert), refusal)
    return Offered(credential, facts(cert), None)


def _admit(unit: Unit, cert: x509.Certificate, now: datetime) -> CertificateFacts:
    checks = provider_settings.certificate_checks()
    chains, revocation = checks if checks else (None, None)
    return admit_unit_certificate(cert, unit.tax_code, now, _known(unit), chains=chains,
                                  revocation=revocation)


def _known(unit: Unit) -> set[str]:
    return set(unit.certificates.values_list("thumbprint", flat=True))


def _add(unit: Unit, cert: x509.Certificate, source: str, by: audit.Actor,
         **where: object) -> UnitCertificate:
    now = timezone.now()
    found = _admit(unit, cert, now)
    try:
        with transaction.atomic():
            made = UnitCertificate.objects.create(
                unit=unit, source=source, status=CertificateStatus.PENDING,
                der=cert.public_bytes(serialization.Encoding.DER),
                thumbprint=found.thumbprint_sha256, serial=found.serial,
                subject=found.subject, issuer=found.issuer, not_before=found.not_before,
                not_after=found.not_after, added_at=now, **where)
            audit.record(by, "certificate.added", f"unit:{unit.tax_code}", serial=found.serial,
                         source=source)
    except IntegrityError as exc:  # the same certificate added from a second tab meanwhile
        raise OpenIvanError("CERT_ALREADY_ADDED", serial=found.serial) from exc
    return made


def warn_expiring(now: datetime | None = None) -> int:
    """Email each unit whose certificate in use or waiting ends within 30, then 7 days — once
    per threshold (`warned_days`); how many emails were queued."""
    now = now or timezone.now()
    queued = 0
    soon = now + timedelta(days=max(EXPIRY_WARNING_DAYS))
    rows = (UnitCertificate.objects.select_related("unit")
            .filter(not_after__gt=now, not_after__lte=soon)
            .exclude(status=CertificateStatus.REPLACED))
    for chosen in rows:
        warning = expiry_warning(chosen.not_after, now)
        if warning is None or chosen.warned_days == warning.threshold:
            continue
        with transaction.atomic():
            marked = UnitCertificate.objects.filter(pk=chosen.pk).exclude(
                warned_days=warning.threshold).update(warned_days=warning.threshold)
            if marked and chosen.unit.email:
                queue_email(f"unit:{chosen.unit.tax_code}", "provider_expiry", chosen.unit.email, {
                    "unit_name": chosen.unit.name, "serial": chosen.serial,
                    "until": chosen.not_after, "days": warning.days_left})
                queued += 1
    return queued


def reseal_secrets(by: str) -> tuple[int, list[int]]:
    """`openivan manage reseal`: the HSM passwords and the certificate files, sealed under
    the current key. How many moved, and the certificates no key opens."""
    with transaction.atomic():
        moved, unreadable = 0, []
        for field in ("hsm_sealed_password", "sealed_key_file"):
            rows = UnitCertificate.objects.exclude(**{field: b""})
            done, bad = sealing.reseal_rows(rows, field)
            moved, unreadable = moved + done, unreadable + bad
        audit.record(by, "data_key.resealed", "provider.unitcertificate", resealed=moved,
                     unreadable=len(unreadable))
    return moved, unreadable
