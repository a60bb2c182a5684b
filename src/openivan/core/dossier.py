"""Sign a dossier the way a unit's software does: each attached XML declaration in its own
`Cky`, then the envelope in `CKy_Dvi`; a provider registered with OpenIVAN may countersign in
`CKy_IVAN`, which it adds after `CKy_Dvi`.

What comes out is the real wire format (domain.md section 3) with today's signature profile.
"""

from __future__ import annotations

import base64
from datetime import datetime

from cryptography import x509
from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.xml.envelope import PROVIDER_SLOT, UNIT_SLOT
from openivan.core.xml.forms import DECLARATION_SLOT
from openivan.core.xml.safe import parse_untrusted
from openivan.core.xmlsig import sign
from openivan.core.xmlsig.sign import SigningKey
from openivan.core.xmlsig.slots import slot_or_none

BOM = b"\xef\xbb\xbf"


def sign_declarations(data: bytes, key: SigningKey, *, signing_time: datetime | None = None,
                      chain: list[x509.Certificate] | None = None) -> bytes:
    """The unsigned envelope `data` with every attached XML declaration whose `Cky` is empty
    signed in it (NoiDungFile and DoDaiFile rewritten). The envelope itself is not signed yet,
    so it may still change."""
    tree = parse_untrusted(data)
    root = tree.getroot()
    unit_slot = slot_or_none(root, UNIT_SLOT)
    if unit_slot is not None and len(unit_slot):
        raise OpenIvanError("SIG_SLOT_OCCUPIED", slot=UNIT_SLOT)
    changed = False
    for file in root.iterfind("NoiDung/ThongTinHoSo/ToKhais/FileToKhai"):
        if (file.findtext("LoaiFile") or "").strip().lstrip(".").lower() != "xml":
            continue
        content = file.find("NoiDungFile")
        if content is None:
            continue
        try:
            payload = base64.b64decode("".join((content.text or "").split()), validate=True)
        except ValueError as exc:
            raise OpenIvanError("XML_BASE64_INVALID", path="FileToKhai/NoiDungFile") from exc
        declaration = parse_untrusted(payload)
        slot = slot_or_none(declaration.getroot(), DECLARATION_SLOT)
        if slot is None or len(slot):
            continue  # signed already, or a form without a unit signature slot
        signed = sign(declaration, key, slot=DECLARATION_SLOT, signing_time=signing_time,
                      chain=chain)
        content.text = base64.b64encode(signed).decode("ascii")
        length = file.find("DoDaiFile")
        if length is not None:
            length.text = str(len(signed))
        changed = True
    if not changed:
        return data
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))


def sign_envelope(data: bytes, key: SigningKey, *, signing_time: datetime | None = None,
                  chain: list[x509.Certificate] | None = None) -> bytes:
    """The unit's signatures: each attached declaration's `Cky`, then the envelope's
    `CKy_Dvi`. Returns the bytes to send (never re-serialise them)."""
    declared = sign_declarations(data, key, signing_time=signing_time, chain=chain)
    return sign(declared, key, slot=UNIT_SLOT, signing_time=signing_time, chain=chain)


def countersign(data: bytes, key: SigningKey, *, signing_time: datetime | None = None,
                chain: list[x509.Certificate] | None = None) -> bytes:
    """The provider's countersignature, in a `CKy_IVAN` added after `CKy_Dvi`."""
    return sign(data, key, slot=PROVIDER_SLOT, signing_time=signing_time, chain=chain,
                add_slot=True)
