"""Create the demo provider (its API key written to var/demo/provider.key) and the demo officer.
Safe to run again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand

from openivan.agency import services
from openivan.agency.models import IvanProvider
from openivan.core import samples
from openivan.core.pki import facts
from openivan.demo.files import OFFICER, PKI_PORT, DemoFiles
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

    @staticmethod
    def _write_key(files: DemoFiles, key: str) -> None:
        files.provider_key.parent.mkdir(parents=True, exist_ok=True)
        files.provider_key.write_text(key + "\n")
        files.provider_key.chmod(0o600)
