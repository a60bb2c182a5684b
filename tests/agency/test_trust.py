"""The agency's own signing key follows its file: renewed without a restart, never an expired
one, and a replacement that does not open leaves the loaded key signing."""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path

import pytest

from openivan.agency.models import Dossier

pytestmark = pytest.mark.django_db


def signer_serial(response, verifier) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 201, response.content
    reception = next(a for a in response.json()["answers"] if a["kind"] == "reception")
    checked = verifier.verify_document(base64.b64decode(reception["xml_base64"]))
    return int(checked.signatures["CKy_BHXH"].certificate.facts.serial, 16)


def put_in_place(path: Path, p12: bytes) -> None:
    """As an operator should: a new file moved over the old one in one step."""
    staged = path.with_suffix(".new")
    staged.write_bytes(p12)
    os.replace(staged, path)


def test_a_renewed_key_put_in_place_signs_the_next_answer_without_a_restart(
        provider, envelope, pki, settings, verifier):
    old, renewed = pki.certificate("agency"), pki.certificate("agency-renewed")
    assert signer_serial(provider.post(envelope()), verifier) == old.serial_number
    put_in_place(Path(settings.OPENIVAN_AGENCY_P12), pki.pkcs12("agency-renewed", "agency-pw"))
    assert signer_serial(provider.post(envelope()), verifier) == renewed.serial_number


def test_a_replacement_that_does_not_open_leaves_the_loaded_key_signing(
        provider, envelope, pki, settings, verifier, caplog):
    old = pki.certificate("agency")
    assert signer_serial(provider.post(envelope()), verifier) == old.serial_number
    # The renewed file, exported with another password than the one configured.
    put_in_place(Path(settings.OPENIVAN_AGENCY_P12), pki.pkcs12("agency-renewed", "khac"))
    caplog.set_level(logging.ERROR, logger="openivan.agency.trust")
    for _ in range(2):
        assert signer_serial(provider.post(envelope()), verifier) == old.serial_number
    errors = [r.getMessage() for r in caplog.records if r.name == "openivan.agency.trust"]
    assert len(errors) == 1 and "the key loaded before still signs" in errors[0], errors
    # The operator exports it again with the configured password: no restart.
    put_in_place(Path(settings.OPENIVAN_AGENCY_P12), pki.pkcs12("agency-renewed", "agency-pw"))
    assert signer_serial(provider.post(envelope()), verifier) == (
        pki.certificate("agency-renewed").serial_number)


def test_an_agency_certificate_not_valid_now_signs_nothing(
        provider, envelope, pki, settings, caplog):
    put_in_place(Path(settings.OPENIVAN_AGENCY_P12), pki.pkcs12("agency-expired", "agency-pw"))
    caplog.set_level(logging.ERROR, logger="openivan.agency.trust")
    for attempt in (envelope(), b"<Hoso><oops></Hoso>", envelope()):  # nor a refusal
        response = provider.post(attempt)
        assert response.status_code == 503 and response.json()["code"] == (
            "AGENCY_KEY_UNAVAILABLE")
    assert Dossier.objects.count() == 0
    said = [r.getMessage() for r in caplog.records if r.name == "openivan.agency.trust"]
    assert len(said) == 1 and "is not valid now" in said[0], said  # once, not per request
