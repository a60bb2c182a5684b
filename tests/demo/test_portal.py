"""The individuals' portal in the demo (openivan.demo.portal): the records, reception points
and desk officer `make demo` loads, matching the dev PKI's persons."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from openivan.demo import portal as demo
from openivan.devpki import LEAF_SUBJECTS as PROFILES
from openivan.portal.models import InsuredRecord, ReceptionPoint
from openivan.portal.services import records

pytestmark = pytest.mark.django_db(transaction=True)  # the import commits its batches


def test_the_demo_loads_records_with_the_dev_pki_persons_points_and_a_desk_officer():
    loaded = demo.load()
    assert loaded.records > 300 and ReceptionPoint.objects.count() == 4
    for label, (number, name, id_number) in demo.PERSONS.items():
        record = records.find(number)
        assert record is not None and record.full_name == name
        assert name.upper() == PROFILES[label]["common-name"]
        assert PROFILES[label]["user-id"].endswith(":" + id_number)
        assert id_number in record.id_numbers.split(";")
    officer = User.objects.get(username=demo.DESK_OFFICER[0])
    assert officer.has_perm("portal.desk") and officer.has_perm("portal.import_records")
    assert demo.load().records == loaded.records  # again: nothing doubled
    assert InsuredRecord.objects.count() == loaded.records
