"""Chỗ ký (signature slots): the child of a document's root that holds one signature, found the
same way by signing and by verification."""

from __future__ import annotations

from lxml import etree

from openivan.core.errors import OpenIvanError


def find_slot(root: etree._Element, slot: str) -> etree._Element:
    """The child of `root` named `slot`, in the root's namespace; one, or a refusal."""
    found = slot_or_none(root, slot)
    if found is None:
        raise OpenIvanError("SIG_SLOT_MISSING", slot=slot)
    return found


def slot_or_none(root: etree._Element, slot: str) -> etree._Element | None:
    """The child of `root` named `slot`, None when there is none; two are refused."""
    namespace = root.tag.rpartition("}")[0]
    wanted = f"{namespace}}}{slot}" if namespace else slot
    found = [child for child in root if child.tag == wanted]
    if len(found) > 1:
        raise OpenIvanError("SIG_SLOT_DUPLICATE", slot=slot)
    return found[0] if found else None
