"""The `openivan` command: build, sign and verify declarations from the shell; run the platform.

    openivan xml build 04 --sample --envelope -o dk.xml
    openivan xml sign dk.xml --p12 unit.p12 --password-env P12_PASSWORD -o dk.signed.xml
    openivan xml verify dk.signed.xml --trust-store trust/
    openivan cert inspect unit.pem
    openivan demo run                (the whole demo: what `make demo` runs)
    openivan demo send 04            (the demo unit's 04/ĐK-IVAN through the agency's API)
    openivan manage migrate          (any Django management command)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openivan.core.errors import OpenIvanError
from openivan.core.language import language

FORM_KINDS = {"04": "IvanRegistration", "05": "IvanChange", "06": "IvanStop",
              "01-dkgd": "TransactionRegistration", "01-tb": "NonAcceptanceNotice"}


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["manage"]:
        return _manage(args_list[1:])
    parser = _parser()
    args = parser.parse_args(args_list)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        return int(args.run(args))
    except OpenIvanError as exc:
        _refused(exc)
        if exc.details:
            print(json.dumps(exc.as_dict()["details"], ensure_ascii=False), file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openivan", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    groups = parser.add_subparsers(title="commands")
    xml = groups.add_parser("xml", help="build, sign, verify declarations").add_subparsers()

    build = xml.add_parser("build", help="build a declaration (04, 05, 06, 01-dkgd, 01-tb)")
    build.add_argument("kind", choices=sorted(FORM_KINDS))
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument("--json", help="a JSON file of the form's fields ('-' for stdin)")
    source.add_argument("--sample", action="store_true", help="the demo unit's data")
    build.add_argument("--envelope", action="store_true", help="wrap it into a Hoso envelope")
    build.add_argument("--attach", action="append", default=[], metavar="FILE.pdf",
                       help="with --envelope: attach this file too (a PDF scan; repeatable)")
    build.add_argument("-o", "--output", default="-")
    build.set_defaults(run=_build)

    sign = xml.add_parser("sign", help="sign a document into a signature slot")
    sign.add_argument("input")
    sign.add_argument("-o", "--output", default="-")
    sign.add_argument("--slot", help="signature slot (default: the first empty one; an "
                      "envelope: its declarations' Cky and CKy_Dvi, then CKy_IVAN)")
    _key_options(sign)
    sign.set_defaults(run=_sign)

    verify = xml.add_parser("verify", help="check schema, signatures, chain and revocation")
    verify.add_argument("input")
    verify.add_argument("--trust-store", required=True, help="folder of trusted CA certificates")
    verify.add_argument("--revocation", choices=("require", "hard", "soft", "off"),
                        default="hard")
    verify.add_argument("--allow-sha1", action="store_true", help="legacy documents only")
    verify.add_argument("--slot", action="append", help="only these slots (repeatable)")
    verify.set_defaults(run=_verify)

    schema = xml.add_parser("schema", help="print the XSD of all forms")
    schema.set_defaults(run=_schema)

    from openivan.demo.send import add_parser as add_demo_parser

    add_demo_parser(groups)

    cert = groups.add_parser("cert", help="certificates").add_subparsers()
    inspect = cert.add_parser("inspect", help="print what a certificate says (PEM or DER)")
    inspect.add_argument("input")
    inspect.set_defaults(run=_inspect)
    return parser


def _key_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("key (one of PKCS#12, PKCS#11 token, CSC service)")
    group.add_argument("--p12", help="PKCS#12 file")
    group.add_argument("--password-env", default="OPENIVAN_P12_PASSWORD",
                       help="environment variable holding the PKCS#12 password")
    group.add_argument("--token-label", help="PKCS#11 token label")
    group.add_argument("--pkcs11-module", default="/usr/lib/softhsm/libsofthsm2.so")
    group.add_argument("--pin-env", default="OPENIVAN_PIN",
                       help="environment variable holding the token PIN")
    group.add_argument("--cert-serial", help="which certificate on the token (hex serial)")
    group.add_argument("--csc-url", help="CSC service base URL")
    group.add_argument("--csc-account")
    group.add_argument("--csc-password-env", default="OPENIVAN_CSC_PASSWORD")
    group.add_argument("--csc-credential", help="credential ID (default: the only one)")


def _write(output: str, data: bytes) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        Path(output).write_bytes(data)


def _read(path: str) -> bytes:
    return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()


def _build(args: argparse.Namespace) -> int:
    from openivan.core import samples
    from openivan.core.xml import codec, forms

    cls = getattr(forms, FORM_KINDS[args.kind])
    if args.sample:
        if args.kind not in samples.SAMPLES:
            raise OpenIvanError("SAMPLE_NOT_AVAILABLE", kind=args.kind,
                                available=", ".join(sorted(samples.SAMPLES)))
        model = samples.SAMPLES[args.kind]()
    else:
        model = codec.from_dict(cls, json.loads(_read(args.json)))
    if args.envelope:
        from openivan.core.xml.envelope import other_file

        others = [other_file(Path(path).read_bytes(), file_name=Path(path).name,
                             form_code=Path(path).suffix.lstrip(".").lower() or "file",
                             description=Path(path).name,
                             file_type=Path(path).suffix or ".bin")
                  for path in args.attach]
        model = samples.envelope_for(model, others=others)
    _write(args.output, codec.to_bytes(model))
    return 0


def _signing_key(args: argparse.Namespace) -> Any:
    if args.p12:
        from openivan.core.signers.pkcs12 import Pkcs12Key

        return Pkcs12Key.from_file(args.p12, os.environ.get(args.password_env, ""))
    if args.token_label:
        from openivan.core.signers.pkcs11 import Pkcs11Token

        token = Pkcs11Token.open(args.token_label, os.environ.get(args.pin_env, ""),
                                 args.pkcs11_module)
        certificates = token.certificates()
        if args.cert_serial:
            certificates = [c for c in certificates
                            if format(c.certificate.serial_number, "X") == args.cert_serial.upper()]
        if not certificates:
            raise OpenIvanError("TOKEN_KEY_NOT_FOUND")
        return token.key_for(certificates[0])
    if args.csc_url:
        from openivan.core.signers.csc import CscClient, CscKey

        client = CscClient(args.csc_url, args.csc_account,
                           os.environ.get(args.csc_password_env))
        client.login()
        credential_id = args.csc_credential or client.credentials()[0]
        return CscKey(client, client.credential(credential_id))
    raise OpenIvanError("SIGNING_KEY_REQUIRED")


def _sign(args: argparse.Namespace) -> int:
    from openivan.core.dossier import sign_envelope
    from openivan.core.xml import document
    from openivan.core.xml.envelope import UNIT_SLOT, Envelope
    from openivan.core.xml.safe import parse_untrusted
    from openivan.core.xmlsig import sign
    from openivan.core.xmlsig.slots import slot_or_none

    data = _read(args.input)
    tree = parse_untrusted(data)
    model_class = document.validate_schema(tree)
    root = tree.getroot()
    slots = (*model_class.SIGNATURE_SLOTS, *model_class.OPTIONAL_SLOTS)
    slot = args.slot or next((s for s in slots if _empty_slot(slot_or_none(root, s))), None)
    if slot is None:
        raise OpenIvanError("SIG_SLOT_OCCUPIED", slot=",".join(slots))
    key = _signing_key(args)
    chain = list(getattr(key, "chain", []))
    if slot == UNIT_SLOT and model_class is Envelope:  # the unit: declarations, then envelope
        _write(args.output, sign_envelope(data, key, chain=chain))
    else:
        _write(args.output, sign(tree, key, slot=slot, chain=chain,
                                 add_slot=slot in model_class.OPTIONAL_SLOTS))
    return 0


def _empty_slot(element: Any) -> bool:
    """A slot absent or without its signature (an element is never truth-tested: lxml warns)."""
    return element is None or len(element) == 0


def _verify(args: argparse.Namespace) -> int:
    from openivan.core.pki import ChainValidator, RevocationChecker, TrustStore
    from openivan.core.verification import Verifier
    from openivan.core.xml.envelope import Envelope
    from openivan.core.xmlsig import VerifyPolicy

    store = TrustStore.from_directory(args.trust_store)
    revocation = None if args.revocation == "off" else RevocationChecker(
        args.revocation, issuer_crls=store.issuer_crls())
    verifier = Verifier(ChainValidator(store), revocation,
                        VerifyPolicy(allow_sha1=args.allow_sha1))
    data = _read(args.input)
    slots = tuple(args.slot) if args.slot else None
    # Without --slot, a document may be checked before its later signatures exist (signed by the
    # unit, not yet by the provider): only the first slot is required.
    result = verifier.verify_document(data, slots=slots, later_slots_optional=slots is None)
    if isinstance(result.model, Envelope) and slots is None:  # and each attached declaration
        result = verifier.verify_envelope(data, require_provider=False)
    print(f"OK {type(result.model).__name__}")
    checks = list(result.signatures.items()) + [
        (f"FileToKhai[{a.index}]/Cky ({a.file.file_name})", a.signature)
        for a in result.attachments if a.signature is not None]
    for attachment in result.attachments:
        if attachment.signature is None:
            print(f"FileToKhai[{attachment.index}]: {attachment.file.file_name} "
                  f"({attachment.file.kind}, {attachment.file.length} byte)")
    for slot, checked in checks:
        info = checked.certificate.facts
        ident = info.tax_code or info.ids.cccd or info.ids.cmnd or "-"
        time_note = ("" if checked.signature.signing_time else " (không có thời điểm ký được ký)")
        revocation_note = ", ".join(
            f"{r.source}:{r.status}" for r in checked.certificate.revocation) or "off"
        print(f"{slot}: {info.common_name} | MST/ID {ident} | ký lúc "
              f"{checked.signed_at.isoformat()}{time_note} | thu hồi: {revocation_note}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    from openivan.core.xml.document import generate_schema

    _write("-", generate_schema())
    return 0


def _inspect(args: argparse.Namespace) -> int:
    from openivan.core.pki import facts, load_certificate

    info = facts(load_certificate(_read(args.input)))
    print(json.dumps(dataclasses.asdict(info) | info.as_dict(), ensure_ascii=False, indent=2,
                     default=str))
    return 0


def _manage(argv: list[str]) -> int:
    """A Django management command. A wrong environment or a database out of reach is one
    line with its code, as Django prints a CommandError; `--traceback` shows the rest."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openivan.conf.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db import InterfaceError, OperationalError

    from openivan.platform import errors  # noqa: F401  (CONFIG_INVALID, DATABASE_ERROR)

    try:
        execute_from_command_line(["openivan manage", *argv])
    except OpenIvanError as exc:  # a setting core parses (SMS_URL → SMS_URL_INVALID)
        if "--traceback" in argv:
            raise
        return _refused(exc)
    except ImproperlyConfigured as exc:
        if "--traceback" in argv:
            raise
        return _refused(OpenIvanError("CONFIG_INVALID", problem=str(exc)))
    except (OperationalError, InterfaceError) as exc:
        if "--traceback" in argv:
            raise
        return _refused(OpenIvanError("DATABASE_ERROR", problem=str(exc).strip()))
    return 0


def _refused(exc: OpenIvanError) -> int:
    print(f"{exc.code}: {exc.message(language())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
