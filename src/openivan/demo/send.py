"""`openivan demo send 04|05|06`: build the demo unit's declaration in the real wire format,
sign it with the unit's certificate (the declaration in its `Cky`, the envelope in `CKy_Dvi`),
countersign it as the demo provider (`CKy_IVAN`: the demo provider is registered with its
countersignature required), and POST it to the agency's API.

The `openivan` command builds its parser from here, so this module imports nothing of the
demo's extra (certomancer, aiosmtpd): each command asks for it when it runs."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from openivan.core import extras, samples
from openivan.core.dossier import countersign, sign_envelope
from openivan.core.xml import codec
from openivan.demo.files import PKI_PORT, WEB_ADDRESS, DemoFiles

if TYPE_CHECKING:
    from openivan.devpki import DevPKI


def _registration(new_unit: bool) -> codec.XmlModel:
    if not new_unit:
        return samples.registration()
    declaration = samples.registration(unit_code=None)  # a new unit shows its licence instead
    declaration.licence_number = "0101300842"
    declaration.licence_issuer = "Sở Kế hoạch và Đầu tư Hà Nội"
    return declaration


BUILDERS: dict[str, Callable[[bool], codec.XmlModel]] = {
    "04": _registration, "05": lambda _: samples.change(), "06": lambda _: samples.stop()}


def build(kind: str, args: argparse.Namespace, pki: DevPKI) -> bytes:
    declaration = BUILDERS[kind](args.new_unit)
    model = samples.envelope_for(declaration)
    signed = sign_envelope(codec.to_bytes(model), pki.pkcs12_key("unit"))
    return countersign(signed, pki.pkcs12_key("provider"))


def run(args: argparse.Namespace) -> int:
    extras.require("demo")
    from openivan.devpki import DevPKI

    files = DemoFiles.here()
    if not files.provider_key.exists():
        raise SystemExit("The demo is not set up: run `make demo` first (in another terminal).")
    pki = DevPKI.create(files.pki, port=PKI_PORT)
    body = build(args.kind, args, pki)
    response = httpx.post(f"{args.url}/api/v1/dossiers", content=body, timeout=30, headers={
        "content-type": "application/xml",
        "authorization": f"Bearer {files.provider_key.read_text().strip()}"})
    out = response.json()
    if response.status_code >= 400:
        print(f"Bị từ chối / refused ({response.status_code}): {out.get('code')}: "
              f"{out.get('message')}")
        return 1
    print(f"Số hồ sơ / dossier number: {out['number']}  ({out['status']})")
    for answer in out["answers"]:
        print(f"  {answer['kind']}: {answer['result']}")
    print(f"Hộp thư / mailbox: {args.url}/hop-thu/  — mở thư, bấm đường dẫn kích hoạt, "
          "nhập mã xác nhận.")
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def add_parser(groups: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = groups.add_parser("demo", help="the demo platform").add_subparsers()
    send = demo.add_parser("send", help="send the demo unit's 04, 05 or 06 through the API")
    send.add_argument("kind", choices=sorted(BUILDERS))
    send.add_argument("--new-unit", action="store_true",
                      help="04 for a unit without a unit code (goes to the officers' queue)")
    send.add_argument("--url", default=f"http://{WEB_ADDRESS}")
    send.add_argument("--json", action="store_true", help="print the whole answer")
    send.set_defaults(run=run)
    start = demo.add_parser("run", help="set up and run the whole demo (what `make demo` does)")
    start.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    extras.require("demo")
    from openivan.demo.run import main  # aiosmtpd and the servers: only when the demo runs

    return main()
