"""Create the demo provider (its API key written to var/demo/provider.key) and the demo officer.
Safe to run again."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand

from openivan.agency import services
from openivan.agency.models import IvanProvider
from openivan.core import samples
from openivan.core.pki import facts
from openivan.demo.files import (
    FIRM,
    OFFICER,
    PKI_PORT,
    UNIT_P12_PASSWORD,
    UNIT_PASSWORD,
    DemoFiles,
)
from openivan.devpki import DevPKI


class Command(BaseCommand):
    help = "Create the demo I-VAN provider and the demo officer"

    def handle(self, *args: Any, **options: Any) -> None:
        files = DemoFiles.here()
        certificate = DevPKI.create(files.pki, port=PKI_PORT).certificate("provider")
        provider = IvanProvider.objects.filter(code=samples.PROVIDER.code).first()
        if provider is None:
            _, key = services.register_provider(samples.PROVIDER.code, samples.PROVIDER.name,
                                                "0100109106", [certificate])
            self._write_key(files, key)
        else:
            if facts(certificate).thumbprint_sha256 not in provider.certificate_thumbprints:
                # A demo folder kept from an older version, whose demo CA issued the
                # certificates differently: every dossier was refused PROVIDER_CERT_UNKNOWN.
                services.add_certificate(samples.PROVIDER.code, certificate)
            if not files.provider_key.exists():
                self._write_key(files, services.rotate_api_key(samples.PROVIDER.code))
        users = get_user_model()
        officer = users.objects.filter(username=OFFICER[0]).first()
        if officer is None:
            officer = users.objects.create_user(OFFICER[0], password=OFFICER[1], is_staff=True)
        # Every run: a demo folder made before a permission existed gets it too.
        officer.user_permissions.add(*Permission.objects.filter(
            codename__in=["decide_dossier", "view_auditevent"]))
        if apps.is_installed("openivan.provider"):
            _provider_units(DevPKI.create(files.pki, port=PKI_PORT))
        if apps.is_installed("openivan.portal"):
            # The individuals' portal: records, reception points, the desk officer; the
            # demo's officer gets the desk too (one account for the whole tour).
            from openivan.demo import portal

            loaded = portal.load()
            portal.grant_desk(OFFICER[0])
            self.stdout.write(f"{loaded.records} records, {loaded.points} reception points; "
                              f"desk officer {loaded.officer}")

    @staticmethod
    def _write_key(files: DemoFiles, key: str) -> None:
        files.provider_key.parent.mkdir(parents=True, exist_ok=True)
        files.provider_key.write_text(key + "\n")
        files.provider_key.chmod(0o600)


# The demo units at the provider: their profile, as the agency's samples name them.
DEMO_UNITS = {
    samples.UNIT_TAX_CODE: ("unit", samples.UNIT_NAME, {
        "unit_code": "TA1234", "address": "Số 7 Tràng Thi, Hoàn Kiếm, Hà Nội",
        "email": "ketoan@giaiphapmo.vn", "phone": "0912345678", "province": "Hà Nội",
        "managing_agency": "BHXH quận Hoàn Kiếm", "contact_person": "Nguyễn Văn An",
        "legal_representative": "Nguyễn Văn An", "unit_type": "Công ty TNHH"}),
    "0100047516": ("unit2", "CÔNG TY CỔ PHẦN THỬ NGHIỆM", {
        "unit_code": "TB5678", "address": "Số 1 Đại Cồ Việt, Hai Bà Trưng, Hà Nội",
        "email": "ketoan@thunghiem.vn", "phone": "0987654321", "province": "Hà Nội",
        "managing_agency": "BHXH quận Hai Bà Trưng", "contact_person": "Trần Thị Bình",
        "legal_representative": "Trần Thị Bình", "unit_type": "Công ty cổ phần"}),
}


# Units given a certificate with its file (the server signs their "Ký và gửi BH"). Not the
# demo unit: the tour adds its certificate from the demo's HSM or USB token, as a unit does.
WITH_FILE_CERTIFICATE = {"unit2"}


def _provider_units(pki: DevPKI) -> None:
    """The demo unit with its own account, a second unit, an accounting firm acting for both."""
    from openivan.provider.models import Unit
    from openivan.provider.services import accounts, certificates, units

    made = []
    for tax_code, (label, name, profile) in DEMO_UNITS.items():
        unit = Unit.objects.filter(tax_code=tax_code).first() or units.create_unit(
            tax_code, name, None, **profile)
        if label in WITH_FILE_CERTIFICATE and not unit.certificates.exists():
            certificates.add_file_certificate(
                unit, pki.certificate(label), None,
                pkcs12=pki.pkcs12(label, UNIT_P12_PASSWORD), password=UNIT_P12_PASSWORD)
        made.append(unit)
    users = get_user_model()
    if not users.objects.filter(username=accounts.username_for(samples.UNIT_TAX_CODE)).exists():
        accounts.create_account(samples.UNIT_TAX_CODE, UNIT_PASSWORD, made[:1], None)
    if not users.objects.filter(username=accounts.username_for(FIRM[0])).exists():
        accounts.create_account(FIRM[0], FIRM[1], made, None)
