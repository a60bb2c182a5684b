"""Create the demo provider (its API key written to var/demo/provider.key) and the demo officer.
Safe to run again."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand

from openivan.agency import services
from openivan.agency.models import IvanProvider
from openivan.demo.files import OFFICER, PKI_PORT, DemoFiles
from openivan.devpki import DevPKI, samples


class Command(BaseCommand):
    help = "Create the demo I-VAN provider and the demo officer"

    def handle(self, *args: Any, **options: Any) -> None:
        files = DemoFiles.here()
        if not IvanProvider.objects.filter(code=samples.PROVIDER.code).exists():
            pki = DevPKI.create(files.pki, port=PKI_PORT)
            _, key = services.register_provider(samples.PROVIDER.code, samples.PROVIDER.name,
                                                "0100109106", [pki.certificate("provider")])
            self._write_key(files, key)
        elif not files.provider_key.exists():
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
