"""Register and manage I-VAN providers at the agency (Đăng ký tổ chức I-VAN).

    openivan manage provider register --code 00040 --name "…" --mst 0100109106 --cert p.pem
    openivan manage provider rotate-key 00040
    openivan manage provider suspend 00040 | activate 00040
    openivan manage provider list

The API key is printed once and stored only as a hash; every change goes to the audit log
with the operating-system user who made it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from django.core.management.base import BaseCommand, CommandParser

from openivan.agency import services
from openivan.agency.models import IvanProvider
from openivan.conf.management.shell import actor, refusal
from openivan.core.errors import OpenIvanError


class Command(BaseCommand):
    help = "Register an I-VAN provider, rotate its API key, suspend or activate it, list them"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        register = actions.add_parser("register", help="register a provider; prints its API key")
        register.add_argument("--code", required=True, help="MaIVAN, e.g. 00040")
        register.add_argument("--name", required=True)
        register.add_argument("--mst", required=True, help="the provider's tax code")
        register.add_argument("--cert", action="append", default=[], type=Path,
                              help="a certificate it countersigns with (PEM or DER); repeatable")
        for name, text in (("rotate-key", "a new API key (the old one stops at once)"),
                           ("suspend", "refuse its API key until activated"),
                           ("activate", "accept its API key again")):
            actions.add_parser(name, help=text).add_argument("code")
        actions.add_parser("list", help="the registered providers")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        by = actor()
        try:
            if action == "register":
                certificates = [_certificate(path) for path in options["cert"]]
                provider, key = services.register_provider(
                    options["code"], options["name"], options["mst"], certificates, by=by)
                self.stdout.write(f"{provider.code}\t{key}")
            elif action == "rotate-key":
                key = services.rotate_api_key(options["code"], by=by)
                self.stdout.write(f"{options['code']}\t{key}")
            elif action in ("suspend", "activate"):
                services.set_provider_active(options["code"], action == "activate", by=by)
            else:
                for p in IvanProvider.objects.order_by("code"):
                    state = "active" if p.active else "suspended"
                    self.stdout.write(f"{p.code}\t{p.tax_code}\t{state}\t{p.api_key_id}\t{p.name}")
        except OpenIvanError as exc:
            raise refusal(exc) from exc


def _certificate(path: Path) -> x509.Certificate:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise refusal(OpenIvanError("CERT_UNREADABLE", path=str(path)),
                      f" ({exc.strerror})") from exc
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise refusal(OpenIvanError("CERT_UNREADABLE", path=str(path))) from exc
