"""Register and manage I-VAN providers at the agency (Đăng ký tổ chức I-VAN).

    openivan manage provider register --code 00040 --name "…" --mst 0100109106 --cert p.pem
    openivan manage provider rotate-key 00040 [--keep-old-hours 24]
    openivan manage provider suspend 00040 | activate 00040
    openivan manage provider add-cert 00040 --cert renewed.pem
    openivan manage provider remove-cert 00040 --cert old.pem   (or --thumbprint 3F:A2:…)
    openivan manage provider countersignature 00040 required | optional   (CKy_IVAN)
    openivan manage provider list | show 00040

The API key is printed once and stored only as a hash; every change goes to the audit log
with the operating-system user who made it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from openivan.agency import services
from openivan.agency.models import IvanProvider, ProviderCertificate
from openivan.core.calendar import shown
from openivan.core.errors import OpenIvanError
from openivan.core.pki import facts
from openivan.platform.management.shell import actor, refusal


class Command(BaseCommand):
    help = ("Register an I-VAN provider, rotate its API key, suspend or activate it, add or "
            "remove its certificates, list them")

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        register = actions.add_parser("register", help="register a provider; prints its API key")
        register.add_argument("--code", required=True, help="MaIVAN, e.g. 00040")
        register.add_argument("--name", required=True)
        register.add_argument("--mst", required=True, help="the provider's tax code")
        register.add_argument("--no-countersignature", action="store_true",
                              help="it sends the real shape: envelopes without CKy_IVAN")
        register.add_argument("--cert", action="append", default=[], type=Path,
                              help="a certificate it countersigns with (PEM or DER); repeatable")
        rotate = actions.add_parser("rotate-key", help="a new API key (the old one stops at "
                                    "once, or after --keep-old-hours)")
        rotate.add_argument("code")
        rotate.add_argument("--keep-old-hours", type=int, default=0,
                            help="accept the old key this long too (at most 168), while the "
                            "provider moves to the new one")
        for name, text in (("suspend", "refuse its API key until activated"),
                           ("activate", "accept its API key again")):
            actions.add_parser(name, help=text).add_argument("code")
        add = actions.add_parser("add-cert", help="one more certificate it countersigns with")
        add.add_argument("code")
        add.add_argument("--cert", required=True, type=Path, help="PEM or DER")
        remove = actions.add_parser("remove-cert", help="stop accepting one of its certificates")
        remove.add_argument("code")
        which = remove.add_mutually_exclusive_group(required=True)
        which.add_argument("--cert", type=Path, help="the certificate's file (PEM or DER)")
        which.add_argument("--thumbprint", help="its SHA-256 thumbprint (hex)")
        countersignature = actions.add_parser(
            "countersignature", help="whether its envelopes must carry CKy_IVAN")
        countersignature.add_argument("code")
        countersignature.add_argument("setting", choices=("required", "optional"))
        actions.add_parser("list", help="the registered providers")
        actions.add_parser("show", help="one provider and its certificates").add_argument("code")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        by = actor()
        try:
            if action == "register":
                certificates = [_certificate(path) for path in options["cert"]]
                provider, key = services.register_provider(
                    options["code"], options["name"], options["mst"], certificates,
                    countersignature_required=not options["no_countersignature"], by=by)
                self.stdout.write(f"{provider.code}\t{key}")
            elif action == "rotate-key":
                key = services.rotate_api_key(
                    options["code"], keep_old=timedelta(hours=options["keep_old_hours"]), by=by)
                self.stdout.write(f"{options['code']}\t{key}")
                self._old_key_note(options["code"])
            elif action == "countersignature":
                services.set_countersignature_required(
                    options["code"], options["setting"] == "required", by=by)
            elif action in ("suspend", "activate"):
                services.set_provider_active(options["code"], action == "activate", by=by)
            elif action == "add-cert":
                row = services.add_certificate(options["code"], _certificate(options["cert"]),
                                               by=by)
                self.stdout.write(_certificate_line(row))
            elif action == "remove-cert":
                thumbprint = options["thumbprint"] or facts(
                    _certificate(options["cert"])).thumbprint_sha256
                services.remove_certificate(options["code"], thumbprint, by=by)
            elif action == "show":
                self._show(options["code"])
            else:
                for p in IvanProvider.objects.order_by("code"):
                    self.stdout.write(f"{p.code}\t{p.tax_code}\t{_state(p)}\t{p.api_key_id}\t"
                                      f"{p.name}")
        except OpenIvanError as exc:
            raise refusal(exc) from exc

    def _old_key_note(self, code: str) -> None:
        """On stderr, so that a script reading the key from stdout reads only the key."""
        until = IvanProvider.objects.get(code=code).previous_key_until
        self.stderr.write(f"old key accepted until {shown(until)}" if until
                          else "old key no longer accepted")

    def _show(self, code: str) -> None:
        provider = IvanProvider.objects.filter(code=code).first()
        if provider is None:
            raise OpenIvanError("PROVIDER_NOT_FOUND", ivan_code=code)
        self.stdout.write(f"{provider.code}\t{provider.tax_code}\t{_state(provider)}\t"
                          f"{provider.api_key_id}\t{provider.name}")
        self.stdout.write("countersignature\t" + (
            "required" if provider.countersignature_required else "optional"))
        until = provider.previous_key_until
        if until and until > timezone.now():
            self.stdout.write(f"old key\t{provider.previous_key_id}\tuntil {shown(until)}")
        for row in provider.certificates.all():
            self.stdout.write(_certificate_line(row))


def _state(provider: IvanProvider) -> str:
    return "active" if provider.active else "suspended"


def _certificate_line(row: ProviderCertificate) -> str:
    """thumbprint, valid until (or "?" when only the thumbprint was kept), serial, subject."""
    until = row.valid_to and f"{timezone.localtime(row.valid_to):%Y-%m-%d}"
    return f"cert\t{row.thumbprint}\t{until or '?'}\t{row.serial or '?'}\t{row.subject or '?'}"


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
