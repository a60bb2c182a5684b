"""Read any platform document from bytes: safe parse, namespace, schema, typed model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.xml import codec, envelope, forms
from openivan.core.xml.safe import DEFAULT_MAX_BYTES, parse_untrusted

ROOT_MODELS: tuple[type[codec.XmlModel], ...] = (
    envelope.Envelope,
    *forms.DECLARATIONS,
    forms.NonAcceptanceNotice,
    forms.TechnicalAck,
    forms.ReceptionAnswer,
    forms.DecisionAnswer,
)
MODEL_BY_TAG = {cls.XML_TAG: cls for cls in ROOT_MODELS}
SCHEMA_FILE = "openivan.xsd"


def generate_schema() -> bytes:
    return codec.generate_xsd(list(ROOT_MODELS))


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    data = resources.files("openivan.core.xml").joinpath("schemas", SCHEMA_FILE).read_bytes()
    return etree.XMLSchema(etree.fromstring(data))


@dataclass(frozen=True)
class SchemaProblem:
    path: str
    line: int
    message: str


def _readable_path(tree: etree._ElementTree, path: str | None) -> str:
    """`/*/*[1]/*[7]` (what libxml2 reports under a default namespace) → `/Hoso/NoiDung/…`."""
    if not path:
        return ""
    try:
        found = tree.xpath(path)
    except etree.XPathError:
        return path
    if not found or not isinstance(found[0], etree._Element):
        return path
    names = [etree.QName(e).localname for e in (found[0], *found[0].iterancestors())]
    return "/" + "/".join(reversed(names))


def validate_schema(tree: etree._ElementTree) -> type[codec.XmlModel]:
    """Check namespace, form and schema; return the form's model class."""
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.namespace != codec.NS:
        raise OpenIvanError("XML_NAMESPACE", found=root.tag, expected=codec.NS)
    if qname.localname not in MODEL_BY_TAG:
        raise OpenIvanError("XML_UNKNOWN_FORM", found=qname.localname)
    xsd = schema()
    if xsd.validate(tree):
        return MODEL_BY_TAG[qname.localname]
    problems = [
        SchemaProblem(_readable_path(tree, e.path), e.line,
                      e.message.replace("{" + codec.NS + "}", ""))
        for e in xsd.error_log
    ]
    summary = "; ".join(f"{p.path} (dòng {p.line}): {p.message}" for p in problems[:3])
    raise OpenIvanError(
        "XML_SCHEMA", summary=summary,
        problems=[{"path": p.path, "line": p.line, "message": p.message} for p in problems])


def load(tree: etree._ElementTree) -> codec.XmlModel:
    """Typed model of a schema-valid tree (run `validate_schema` first)."""
    root = tree.getroot()
    return codec.from_element(MODEL_BY_TAG[etree.QName(root).localname], root)


def read(data: bytes,
         max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[etree._ElementTree, codec.XmlModel]:
    """Parse, check and load an unsigned document (signed ones go through core.xmlsig first)."""
    tree = parse_untrusted(data, max_bytes)
    validate_schema(tree)
    return tree, load(tree)
