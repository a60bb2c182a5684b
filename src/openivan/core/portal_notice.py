"""The reasons of a refusal (01/TB-GDĐT, Thông báo không chấp nhận) from what the checks said.

Every check of an individual's declaration ends in an `OpenIvanError` (one code, or
`DECLARATION_INVALID` carrying a problem per field) or in record mismatches; the notice lists
each as a `ReasonItem` (code, Vietnamese description, the element at fault), so the person
knows exactly what to correct before declaring again (seed 004).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from openivan.core.errors import OpenIvanError
from openivan.core.records.matching import Mismatch
from openivan.core.xml.forms import NonAcceptanceNotice, ReasonItem

CONTACT = ("Đề nghị hoàn chỉnh thông tin đăng ký hoặc liên hệ cơ quan BHXH nơi gần nhất hoặc "
           "Tổng đài 19009068 để được hướng dẫn, hỗ trợ.")


def reasons(error: OpenIvanError | None = None,
            mismatches: Iterable[Mismatch] = ()) -> list[ReasonItem]:
    """One reason per problem: a declaration's fields, another refusal, the record's mismatches."""
    found: list[ReasonItem] = []
    if error is not None:
        if error.code == "DECLARATION_INVALID":
            found += [ReasonItem(p["code"], p["message"], p["field"])
                      for p in error.details.get("problems", [])]
        else:
            found.append(ReasonItem(error.code, error.message_vi))
    for mismatch in mismatches:
        found.append(ReasonItem(mismatch.code, mismatch.error().message_vi, mismatch.field))
    return found


def non_acceptance(*, notice_number: str, agency: str, recipient: str, items: list[ReasonItem],
                   issued_on: date, dossier_number: str | None = None,
                   received_at: datetime | None = None) -> NonAcceptanceNotice:
    """01/TB-GDĐT for the person, its reasons followed by where to get help."""
    return NonAcceptanceNotice(
        notice_number=notice_number, issued_on=issued_on, agency=agency, recipient=recipient,
        reasons=[*items, ReasonItem("LIEN_HE", CONTACT)], dossier_number=dossier_number,
        received_at=received_at)
