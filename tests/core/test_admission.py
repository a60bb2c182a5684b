"""Adding a certificate to a unit's list: each refusal with its reason; expiry warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openivan.core.errors import OpenIvanError
from openivan.core.pki.admission import admit_unit_certificate, expiry_warning
from openivan.devpki import DevPKI, samples

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _refusal(pki: DevPKI, label: str, tax_code: str = samples.UNIT_TAX_CODE,
             known: tuple[str, ...] = ()) -> str:
    with pytest.raises(OpenIvanError) as refused:
        admit_unit_certificate(pki.certificate(label), tax_code, NOW, known)
    return refused.value.code


def test_the_units_own_valid_certificate_is_admitted(pki: DevPKI) -> None:
    admitted = admit_unit_certificate(pki.certificate("unit"), samples.UNIT_TAX_CODE, NOW)
    assert admitted.tax_code == samples.UNIT_TAX_CODE and admitted.can_sign


@pytest.mark.parametrize(("label", "tax_code", "code"), [
    ("unit2", samples.UNIT_TAX_CODE, "MST_MISMATCH"),  # another unit's
    ("unit-branch", samples.UNIT_TAX_CODE, "MST_MISMATCH"),  # a branch is a unit of its own
    ("unit-expired", samples.UNIT_TAX_CODE, "CERT_EXPIRED"),
    ("unit-future", samples.UNIT_TAX_CODE, "CERT_NOT_YET_VALID"),
    ("unit-encipher-only", samples.UNIT_TAX_CODE, "CERT_KEY_USAGE"),
    ("person-cccd", samples.UNIT_TAX_CODE, "CERT_NO_TAX_CODE"),  # a person's
])
def test_a_certificate_the_unit_may_not_use_is_refused_with_the_reason(
        pki: DevPKI, label: str, tax_code: str, code: str) -> None:
    assert _refusal(pki, label, tax_code) == code


def test_a_certificate_already_in_the_list_is_refused(pki: DevPKI) -> None:
    first = admit_unit_certificate(pki.certificate("unit"), samples.UNIT_TAX_CODE, NOW)
    assert _refusal(pki, "unit", known=(first.thumbprint_sha256,)) == "CERT_ALREADY_ADDED"


def test_the_mismatch_names_both_tax_codes(pki: DevPKI) -> None:
    with pytest.raises(OpenIvanError) as refused:
        admit_unit_certificate(pki.certificate("unit2"), samples.UNIT_TAX_CODE, NOW)
    assert "0100047516" in refused.value.message_vi
    assert samples.UNIT_TAX_CODE in refused.value.message_vi


@pytest.mark.parametrize(("left", "threshold"), [
    (timedelta(days=45), None), (timedelta(days=30, seconds=1), None),
    (timedelta(days=30), 30), (timedelta(days=8), 30), (timedelta(days=7), 7),
    (timedelta(hours=1), 7), (timedelta(0), 0), (-timedelta(days=3), 0),
])
def test_warnings_come_30_and_7_days_before_the_end(left: timedelta,
                                                   threshold: int | None) -> None:
    warning = expiry_warning(NOW + left, NOW)
    assert (warning.threshold if warning else None) == threshold
