"""Whether a dossier signed elsewhere (a USB token through the signing agent, in the user's
browser) is the dossier the provider prepared, signed by the certificate the unit chose.

The signer returns bytes the provider did not make: they are believed only if every signature
in them checks, every one is made by the chosen certificate, and what they cover is, node
for node (canonical XML), what the provider handed out — the envelope and each declaration
inside it. A signer that changed a word, added a file or signed with another certificate is
refused before anything is sent.
"""

from __future__ import annotations

import base64

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.xml.envelope import UNIT_SLOT
from openivan.core.xml.forms import DECLARATION_SLOT
from openivan.core.xml.safe import parse_untrusted
from openivan.core.xmlsig.sign import c14n
from openivan.core.xmlsig.verify import verify

FILES = "NoiDung/ThongTinHoSo/ToKhais/FileToKhai"


def check_signed_as_prepared(prepared: bytes, signed: bytes,
                             certificate: x509.Certificate) -> None:
    """Raise unless `signed` is `prepared` with the unit's signatures by `certificate` (each
    declaration's `Cky`, then the envelope's `CKy_Dvi`) and nothing else changed."""
    envelope = verify(parse_untrusted(signed), slot=UNIT_SLOT)
    _same_signer(envelope.certificate, certificate)
    original = parse_untrusted(prepared)
    got, want = list(envelope.signed_tree.getroot().iterfind(FILES)), list(
        original.getroot().iterfind(FILES))
    if len(got) != len(want):
        raise OpenIvanError("SIGNED_CONTENT_CHANGED", where="FileToKhai")
    for index, (file, before) in enumerate(zip(got, want, strict=True), start=1):
        if _is_xml(before):
            _declaration_as_prepared(file, before, certificate, index)
    if c14n(envelope.signed_tree) != c14n(original):
        raise OpenIvanError("SIGNED_CONTENT_CHANGED", where="Hoso")


def _declaration_as_prepared(file: etree._Element, before: etree._Element,
                             certificate: x509.Certificate, index: int) -> None:
    """Check the signed declaration in `file`, then put the prepared one back in its place so
    that the envelope compares as a whole."""
    where = f"FileToKhai[{index}]"
    declaration = verify(parse_untrusted(_content(file, where)), slot=DECLARATION_SLOT)
    _same_signer(declaration.certificate, certificate)
    if c14n(declaration.signed_tree) != c14n(parse_untrusted(_content(before, where))):
        raise OpenIvanError("SIGNED_CONTENT_CHANGED", where=where)
    for name in ("NoiDungFile", "DoDaiFile"):
        mine, theirs = file.find(name), before.find(name)
        if mine is not None and theirs is not None:
            mine.text = theirs.text


def _same_signer(used: x509.Certificate, chosen: x509.Certificate) -> None:
    if used.fingerprint(hashes.SHA256()) != chosen.fingerprint(hashes.SHA256()):
        raise OpenIvanError("SIGNED_BY_OTHER_CERTIFICATE", serial=format(used.serial_number, "X"))


def _is_xml(file: etree._Element) -> bool:
    return (file.findtext("LoaiFile") or "").strip().lstrip(".").lower() == "xml"


def _content(file: etree._Element, where: str) -> bytes:
    try:
        return base64.b64decode("".join((file.findtext("NoiDungFile") or "").split()),
                                validate=True)
    except ValueError as exc:
        raise OpenIvanError("SIGNED_CONTENT_CHANGED", where=where) from exc
