"""The agency's record of an insured person, read from the database as core.records knows it
(one indexed query by mã số BHXH: the table holds millions of rows)."""

from __future__ import annotations

from openivan.core.records import Record
from openivan.portal.models import InsuredRecord


def record(bhxh_number: str) -> Record | None:
    found = InsuredRecord.objects.filter(bhxh_number=bhxh_number).values(
        "bhxh_number", "full_name", "birth_date", "birth_year", "sex", "id_numbers").first()
    if found is None:
        return None
    return Record(bhxh_number=found["bhxh_number"], full_name=found["full_name"],
                  birth_date=found["birth_date"], birth_year=found["birth_year"],
                  sex=found["sex"] or None,
                  id_numbers=tuple(n for n in found["id_numbers"].split(";") if n))
