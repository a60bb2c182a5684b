"""Typed models <-> XML elements, and the XSD that describes them.

A model is a dataclass whose fields carry `xml(...)` metadata naming their element. One
description serves three purposes — building XML, reading XML, generating the schema — so the
schema shipped in the package cannot drift from the code (a test regenerates and compares).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from lxml import etree

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import normalize_text

# The real documents are in no namespace; the root declares the two prefixes .NET's
# XmlSerializer writes (and uses neither), and so do we (domain.md, section 3).
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
ROOT_NSMAP = {"xsi": XSI_NS, "xsd": XSD_NS}
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
DATE_FORMAT = "%d/%m/%Y"

Check = Callable[[str], object]


def xml(
    tag: str,
    *,
    item: str | None = None,
    pattern: str | None = None,
    choices: tuple[str, ...] | None = None,
    max_length: int | None = None,
    check: Check | None = None,
    empty: bool = False,
    default: Any = dataclasses.MISSING,
) -> Any:
    """Describe a field: its element `tag`; for lists the `item` tag inside the container.

    `pattern`, `choices` and `max_length` go into the XSD; `check` (an identifier parser such as
    `parse_mst`) runs on reading and building, so a value the schema allows but the law does not
    (a wrong MST check digit) is refused with its own code. `empty` lets an element be present
    and empty (vendors write `<QuyTrinhISO />`); read as None when the field is optional.
    """
    meta = {"tag": tag, "item": item, "pattern": pattern, "choices": choices,
            "max_length": max_length, "check": check, "empty": empty}
    if default is dataclasses.MISSING:
        return dataclasses.field(metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


class XmlModel:
    """Base of every form. Subclasses are dataclasses; roots set `XML_TAG`."""

    XML_TAG: ClassVar[str] = ""
    FORM_CODE: ClassVar[str] = ""  # e.g. "04/ĐK-IVAN" for declarations
    SIGNATURE_SLOTS: ClassVar[tuple[str, ...]] = ()  # written, empty, after the fields
    # Slots a later signer adds after the written ones (the provider's countersignature).
    OPTIONAL_SLOTS: ClassVar[tuple[str, ...]] = ()
    # Vendors add elements of their own here and there: inside a lax block an element the
    # model does not name is kept (the bytes are signed) and ignored, never a refusal.
    LAX: ClassVar[bool] = False

    def validate(self) -> None:
        """Cross-field rules the schema cannot say. Raise `OpenIvanError`."""


M = TypeVar("M", bound=XmlModel)


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    tag: str
    kind: type
    optional: bool
    is_list: bool
    is_model: bool
    meta: dict[str, Any]


_FIELD_CACHE: dict[type, list[_Field]] = {}


def fields_of(cls: type) -> list[_Field]:
    if cls not in _FIELD_CACHE:
        hints = typing.get_type_hints(cls)
        result = []
        for f in dataclasses.fields(cls):
            kind, optional, is_list = _unwrap(hints[f.name])
            meta = dict(f.metadata)
            is_model = isinstance(kind, type) and issubclass(kind, XmlModel)
            result.append(_Field(f.name, meta["tag"], kind, optional, is_list, is_model, meta))
        _FIELD_CACHE[cls] = result
    return _FIELD_CACHE[cls]


def _unwrap(hint: Any) -> tuple[type, bool, bool]:
    optional = False
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional, hint = True, args[0]
        origin = typing.get_origin(hint)
    if origin is list:
        return typing.get_args(hint)[0], optional, True
    return hint, optional, False


def q(tag: str) -> str:
    """The element name as lxml spells it: the forms are in no namespace."""
    return tag


# ---------------------------------------------------------------- building

def to_element(model: XmlModel, tag: str | None = None) -> etree._Element:
    model.validate()
    element = etree.Element(q(tag or model.XML_TAG), nsmap=ROOT_NSMAP if tag is None else None)
    _fill(element, model, "/" + (tag or model.XML_TAG))
    for slot in model.SIGNATURE_SLOTS:
        etree.SubElement(element, q(slot))
    return element


def _fill(parent: etree._Element, model: XmlModel, path: str) -> None:
    for f in fields_of(type(model)):
        value = getattr(model, f.name)
        if value is None:
            if not f.optional:
                raise OpenIvanError("TEXT_REQUIRED", field=f.tag, path=f"{path}/{f.tag}")
            if f.meta.get("empty"):  # written empty, as vendors do: `<QuyTrinhISO />`
                etree.SubElement(parent, q(f.tag))
            continue
        if f.is_list:
            container = etree.SubElement(parent, q(f.tag))
            for index, item in enumerate(value, 1):
                child = etree.SubElement(container, q(f.meta["item"]))
                _fill(child, item, f"{path}/{f.tag}/{f.meta['item']}[{index}]")
        elif isinstance(value, XmlModel):
            _fill(etree.SubElement(parent, q(f.tag)), value, f"{path}/{f.tag}")
        else:
            text = _format_scalar(value, f.kind)
            _apply_check(f, text, f"{path}/{f.tag}")
            etree.SubElement(parent, q(f.tag)).text = text


def _format_scalar(value: Any, kind: type) -> str:
    if kind is bool:
        return "true" if value else "false"
    if kind is datetime:
        if value.tzinfo is None:
            raise ValueError("datetimes in documents carry their offset")
        return str(value.isoformat(timespec="seconds"))
    if kind is date:
        return str(value.strftime(DATE_FORMAT))
    if kind is bytes:
        return base64.b64encode(value).decode("ascii")
    return str(value)


def _apply_check(f: _Field, text: str, path: str) -> None:
    check = f.meta.get("check")
    if check is None:
        return
    try:
        check(text)
    except OpenIvanError as exc:
        raise OpenIvanError(exc.code, **{**exc.details, "path": path}) from exc


def to_bytes(model: XmlModel) -> bytes:
    root = to_element(model)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# ---------------------------------------------------------------- reading

def from_element(cls: type[M], element: etree._Element, path: str | None = None) -> M:
    path = path or "/" + etree.QName(element).localname
    children: dict[str, etree._Element] = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str):  # not a comment or processing instruction
            children.setdefault(tag.rpartition("}")[2], child)
    values: dict[str, Any] = {}
    for f in fields_of(cls):
        node = children.get(f.tag)
        if node is None:
            if not f.optional:
                raise OpenIvanError("TEXT_REQUIRED", field=f.tag, path=f"{path}/{f.tag}")
            values[f.name] = None
        elif f.is_list:
            child_path = f"{path}/{f.tag}/{f.meta['item']}"
            values[f.name] = [from_element(f.kind, c, f"{child_path}[{i}]")
                              for i, c in enumerate(node.iterchildren("*"), 1)]
        elif f.is_model:
            values[f.name] = from_element(f.kind, node, f"{path}/{f.tag}")
        else:
            values[f.name] = _parse_scalar(f, node.text or "", path)
    model = cls(**values)
    model.validate()
    return model


def _parse_scalar(f: _Field, text: str, parent_path: str) -> Any:
    text = normalize_text(text)
    if f.meta.get("empty") and not text.strip():
        return None if f.optional else ""
    if f.kind is str:
        if f.meta["check"] is not None:
            _apply_check(f, text, f"{parent_path}/{f.tag}")
        return text
    try:
        if f.kind is bool:
            return text in ("true", "1")
        if f.kind is int:
            return int(text)
        if f.kind is datetime:
            return datetime.fromisoformat(text)
        if f.kind is date:
            return _parse_form_date(text)
        if f.kind is bytes:
            return _decode_base64(text, f"{parent_path}/{f.tag}")
    except (ValueError, binascii.Error) as exc:
        raise OpenIvanError("XML_FIELD_INVALID", path=f"{parent_path}/{f.tag}",
                            reason=str(exc)) from exc
    return text


_DD_MM_YYYY = re.compile(r"(\d\d)/(\d\d)/(\d\d\d\d)")


def _parse_form_date(text: str) -> date:
    """dd/mm/yyyy as the forms write it; strptime (a tenth of a model's reading) only for what
    is not in that exact shape (one-digit days and months, which strptime also takes)."""
    found = _DD_MM_YYYY.fullmatch(text)
    if found is None:
        return datetime.strptime(text, DATE_FORMAT).date()
    return date(int(found[3]), int(found[2]), int(found[1]))  # ValueError if no such day


def _decode_base64(text: str, path: str) -> bytes:
    # The schema lets whitespace into base64 (line breaks of some encoders); nothing else.
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise OpenIvanError("XML_BASE64_INVALID", path=path) from exc


def from_dict(cls: type[M], data: dict[str, Any], path: str = "") -> M:
    """Build a model from plain data (JSON): field names as keys, dates as dd/mm/yyyy or ISO."""
    values: dict[str, Any] = {}
    defaults = {f.name for f in dataclasses.fields(cls)  # type: ignore[arg-type]
                if f.default is not dataclasses.MISSING}
    for f in fields_of(cls):
        here = f"{path}/{f.tag}"
        raw = data.get(f.name)
        if raw is None and f.name in defaults:
            continue
        if raw is None:
            if not f.optional:
                raise OpenIvanError("TEXT_REQUIRED", field=f.tag, path=here)
            values[f.name] = None
        elif f.is_list:
            values[f.name] = [from_dict(f.kind, item, here) for item in raw]
        elif isinstance(f.kind, type) and issubclass(f.kind, XmlModel):
            values[f.name] = from_dict(f.kind, raw, here)
        elif f.kind is date and isinstance(raw, str):
            values[f.name] = _parse_date(raw, here)
        elif f.kind is datetime and isinstance(raw, str):
            values[f.name] = datetime.fromisoformat(raw)
        elif f.kind is bytes and isinstance(raw, str):
            values[f.name] = base64.b64decode(raw)
        else:
            values[f.name] = raw
    model = cls(**values)
    model.validate()
    return model


def to_dict(model: XmlModel) -> dict[str, Any]:
    """Plain data (JSON) of a model, the inverse of `from_dict`: dates as ISO, bytes base64."""
    data: dict[str, Any] = {}
    for f in fields_of(type(model)):
        value = getattr(model, f.name)
        if value is None:
            data[f.name] = None
        elif f.is_list:
            data[f.name] = [to_dict(item) for item in value]
        elif f.is_model:
            data[f.name] = to_dict(value)
        elif isinstance(value, datetime | date):
            data[f.name] = value.isoformat()
        elif isinstance(value, bytes):
            data[f.name] = base64.b64encode(value).decode("ascii")
        else:
            data[f.name] = value
    return data


def _parse_date(raw: str, path: str) -> date:
    for fmt in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise OpenIvanError("XML_FIELD_INVALID", path=path, reason=f"{raw!r} is not a date")


# ---------------------------------------------------------------- schema

XS = "http://www.w3.org/2001/XMLSchema"


def generate_xsd(roots: list[type[XmlModel]]) -> bytes:
    """One XSD for all forms (no target namespace): a global element per root, a complex type
    per model."""
    schema = etree.Element(f"{{{XS}}}schema", nsmap={"xs": XS}, elementFormDefault="qualified")
    seen: dict[type, str] = {}
    for root in roots:
        _complex_type(schema, root, seen)
        etree.SubElement(schema, f"{{{XS}}}element", name=root.XML_TAG, type=seen[root])
    etree.indent(schema, space="  ")
    return bytes(etree.tostring(schema, xml_declaration=True, encoding="UTF-8"))


LAX_NOTE = ("Lax: an element this type does not name may appear anywhere inside it; it is kept "
            "and ignored (openivan.core.xml.document removes it from a copy before validating). "
            "A missing or invalid element this type names is still refused.")


def _complex_type(schema: etree._Element, cls: type[XmlModel], seen: dict[type, str]) -> None:
    if cls in seen:
        return
    seen[cls] = cls.__name__ + "Type"
    ctype = etree.SubElement(schema, f"{{{XS}}}complexType", name=seen[cls])
    if cls.LAX:
        note = etree.SubElement(etree.SubElement(ctype, f"{{{XS}}}annotation"),
                                f"{{{XS}}}documentation")
        note.text = LAX_NOTE
    sequence = etree.SubElement(ctype, f"{{{XS}}}sequence")
    for f in fields_of(cls):
        attrs = {"name": f.tag}
        if f.optional:
            attrs["minOccurs"] = "0"
        element = etree.SubElement(sequence, f"{{{XS}}}element", **attrs)
        if f.is_list:
            _complex_type(schema, f.kind, seen)
            inner = etree.SubElement(
                etree.SubElement(element, f"{{{XS}}}complexType"), f"{{{XS}}}sequence")
            etree.SubElement(inner, f"{{{XS}}}element", name=f.meta["item"], type=seen[f.kind],
                             minOccurs="0", maxOccurs="unbounded")
        elif isinstance(f.kind, type) and issubclass(f.kind, XmlModel):
            _complex_type(schema, f.kind, seen)
            element.set("type", seen[f.kind])
        else:
            _simple_type(element, f)
    for slot in (*cls.SIGNATURE_SLOTS, *cls.OPTIONAL_SLOTS):
        # The slot holds an XMLDSig Signature; core.xmlsig checks it, the schema only places it.
        element = etree.SubElement(sequence, f"{{{XS}}}element", name=slot, minOccurs="0")
        inner = etree.SubElement(
            etree.SubElement(element, f"{{{XS}}}complexType"), f"{{{XS}}}sequence")
        etree.SubElement(inner, f"{{{XS}}}any", namespace=DS_NS, processContents="skip",
                         minOccurs="0")


# Base64 is checked by the codec (XML_BASE64_INVALID), so that a file that does not decode is
# named as such rather than as a schema error.
_BASE_TYPES = {str: "xs:string", int: "xs:nonNegativeInteger", bool: "xs:boolean",
               datetime: "xs:dateTime", bytes: "xs:string", date: "xs:string"}


def _simple_type(element: etree._Element, f: _Field) -> None:
    pattern = f.meta.get("pattern") or (r"\d{2}/\d{2}/\d{4}" if f.kind is date else None)
    choices, max_length = f.meta.get("choices"), f.meta.get("max_length")
    base = _BASE_TYPES[f.kind]
    if f.meta.get("empty"):  # present and empty, or a value of the pattern
        pattern = f"({pattern})?" if pattern else None
        if not (pattern or max_length):
            element.set("type", base)
            return
    if not (pattern or choices or max_length or f.kind is str):
        element.set("type", base)
        return
    restriction = etree.SubElement(
        etree.SubElement(element, f"{{{XS}}}simpleType"), f"{{{XS}}}restriction", base=base)
    if f.kind is str and not choices and not pattern and not f.meta.get("empty"):
        etree.SubElement(restriction, f"{{{XS}}}minLength", value="1")
    if pattern:
        etree.SubElement(restriction, f"{{{XS}}}pattern", value=pattern)
    for choice in choices or ():
        etree.SubElement(restriction, f"{{{XS}}}enumeration", value=choice)
    if max_length:
        etree.SubElement(restriction, f"{{{XS}}}maxLength", value=str(max_length))
