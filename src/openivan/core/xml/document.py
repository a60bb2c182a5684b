"""Read any platform document from bytes: safe parse, namespace, schema, typed model."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
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


_building = threading.Lock()
_per_thread = threading.local()


def _schema_bytes() -> bytes:
    return resources.files("openivan.core.xml").joinpath("schemas", SCHEMA_FILE).read_bytes()


def schema() -> etree.XMLSchema:
    """The forms' schema: one per thread, each built under a lock. libxml2 sets its built-in
    schema types up the first time a schema is built in a process, not safely from two
    threads at once: a web process's first dossiers arriving together built it at once and
    either failed ("xmlSchemaPValAttrNodeValue, the given type is not a built-in type") or
    left validation looping forever (a CI run's intake benchmark hung, two threads spinning
    in `validate`). A schema of its own per thread keeps validations apart as well."""
    found: etree.XMLSchema | None = getattr(_per_thread, "schema", None)
    if found is None:
        with _building:
            found = _per_thread.schema = etree.XMLSchema(etree.fromstring(_schema_bytes()))
    return found


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


def _lax_blocks(cls: type[codec.XmlModel], path: str = ".") -> list[tuple[str, frozenset[str]]]:
    """(path from the root, the element names the model knows) of every lax block a form has
    outside lists: the envelope's ThongTinDonVi and ThongTinHoSo."""
    found: list[tuple[str, frozenset[str]]] = []
    if cls.LAX:
        known = {f.tag for f in codec.fields_of(cls)}
        found.append((path, frozenset({*known, *cls.SIGNATURE_SLOTS, *cls.OPTIONAL_SLOTS})))
    for f in codec.fields_of(cls):
        if f.is_model and not f.is_list:
            found.extend(_lax_blocks(f.kind, f"{path}/{f.tag}"))
    return found


LAX_BLOCKS = {tag: _lax_blocks(cls) for tag, cls in MODEL_BY_TAG.items()}


def _without_unknown(tree: etree._ElementTree, tag: str) -> etree._ElementTree:
    """The tree to validate: itself, or — when a lax block holds elements the model does not
    name — a copy without them (the received bytes, which are signed, keep them)."""
    copied: etree._ElementTree | None = None
    for path, known in LAX_BLOCKS[tag]:
        block = (copied or tree).getroot().find(path)
        if block is None:
            continue  # missing: the schema says so
        unknown = [c for c in block if isinstance(c.tag, str) and c.tag not in known]
        if unknown and copied is None:
            copied = copy.deepcopy(tree)
            block = copied.getroot().find(path)
            assert block is not None
            unknown = [c for c in block if isinstance(c.tag, str) and c.tag not in known]
        for child in unknown:
            assert block is not None
            block.remove(child)
    return copied or tree


def validate_schema(tree: etree._ElementTree) -> type[codec.XmlModel]:
    """Check namespace, form and schema; return the form's model class.

    The forms are in no namespace, as real vendors write them; unknown elements inside a lax
    block (ThongTinDonVi, ThongTinHoSo) are ignored, a missing or invalid known one is not.
    """
    root = tree.getroot()
    qname = etree.QName(root)
    if qname.namespace is not None:
        raise OpenIvanError("XML_NAMESPACE", found=root.tag, expected="")
    if qname.localname not in MODEL_BY_TAG:
        raise OpenIvanError("XML_UNKNOWN_FORM", found=qname.localname)
    xsd = schema()
    checked = _without_unknown(tree, qname.localname)
    if xsd.validate(checked):
        return MODEL_BY_TAG[qname.localname]
    problems = [
        SchemaProblem(_readable_path(checked, e.path), e.line, e.message)
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
