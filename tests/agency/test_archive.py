"""A dossier's files for an inspection or a dispute: the declaration byte for byte, and the
archive with the agency's answers and the revocation evidence, each download audited."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile

import pytest
from cryptography import x509
from cryptography.x509 import ocsp
from django.contrib.auth.models import User
from django.test import Client

from openivan.core.xml.envelope import PROVIDER_SLOT, UNIT_SLOT
from openivan.platform.models import AuditEvent
from tests.processes import OPENIVAN

pytestmark = pytest.mark.django_db



def test_the_declaration_downloads_byte_for_byte_and_the_download_is_logged(
        provider, envelope, officer):
    body = envelope()
    number = provider.post(body).json()["number"]
    response = officer.get(f"/co-quan/ho-so/{number}/ho-so-goc.xml")
    assert response.status_code == 200 and response.content == body
    assert response["Content-Disposition"] == f'attachment; filename="{number}.xml"'
    event = AuditEvent.objects.get(action="console.downloaded")
    assert event.actor == "user:canbo01" and event.target == f"dossier:{number}"
    assert event.details == {"what": "original"}


def test_the_archive_holds_what_proves_the_dossier(provider, envelope, officer, verifier, pki):
    body = envelope()
    out = provider.post(body).json()
    number = out["number"]
    response = officer.get(f"/co-quan/ho-so/{number}/luu-tru.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = _unzipped(response.content, number)
    assert files["ho-so-goc.xml"] == body
    checked = verifier.verify_envelope(files["ho-so-goc.xml"])  # still verifies on its own
    assert set(checked.signatures) == {UNIT_SLOT, PROVIDER_SLOT}
    for kind in ("technical", "reception"):
        answer = files[f"tra-loi-{kind}.xml"]
        assert verifier.verify_document(answer).signatures["CKy_BHXH"]
    # The OCSP answer on each signer's certificate, and once the root's CRL, which showed
    # the CA of both unrevoked.
    evidence = sorted(name for name in files if name.startswith("thu-hoi/"))
    assert evidence == ["thu-hoi/01-ocsp.der", "thu-hoi/02-crl.der", "thu-hoi/03-ocsp.der"]
    answered = []
    for name in (evidence[0], evidence[2]):
        ocsp_answer = ocsp.load_der_ocsp_response(files[name])
        assert ocsp_answer.certificate_status == ocsp.OCSPCertStatus.GOOD
        answered.append(ocsp_answer.serial_number)
    signers = [one.certificate.facts.serial for one in checked.signatures.values()]
    assert [format(serial, "X") for serial in answered] == signers
    crl = x509.load_der_x509_crl(files[evidence[1]])
    assert crl.issuer == pki.certificate("root").subject
    record = json.loads(files["ket-qua-kiem-tra.json"])
    assert record["number"] == number and set(record["signatures"]) == {
        UNIT_SLOT, PROVIDER_SLOT, "FileToKhai[1]/Cky"}
    contents = files["muc-luc.txt"].decode()
    for name, content in files.items():
        if name != "muc-luc.txt":
            assert f"{hashlib.sha256(content).hexdigest()}  {name}  " in contents
    again = officer.get(f"/co-quan/ho-so/{number}/luu-tru.zip").content
    assert again == response.content  # the same dossier, the same bytes
    assert AuditEvent.objects.filter(action="console.downloaded",
                                     details={"what": "archive"}).count() == 2


def test_the_archived_declaration_verifies_away_from_the_platform(
        provider, envelope, officer, trust_dir, tmp_path):
    # As the table of contents says: the command line, the trust store, no network.
    number = provider.post(envelope()).json()["number"]
    files = _unzipped(officer.get(f"/co-quan/ho-so/{number}/luu-tru.zip").content, number)
    assert "--revocation off" in files["muc-luc.txt"].decode()
    (tmp_path / "ho-so-goc.xml").write_bytes(files["ho-so-goc.xml"])
    checked = subprocess.run([OPENIVAN, "xml", "verify", str(tmp_path / "ho-so-goc.xml"),
                              "--trust-store", str(trust_dir), "--revocation", "off"],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "0101300842" in checked.stdout


def _unzipped(data: bytes, number: str) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = archive.namelist()
        assert all(name.startswith(f"{number}/") for name in names)
        return {name.removeprefix(f"{number}/"): archive.read(name) for name in names}


def test_the_dossier_page_says_who_signed_and_what_revocation_said(
        provider, envelope, officer):
    number = provider.post(envelope()).json()["number"]
    page = officer.get(f"/co-quan/ho-so/{number}/").content.decode()
    assert "Chữ ký và bằng chứng" in page
    assert "OCSP: chưa bị thu hồi" in page and "0101300842" in page
    assert f"/co-quan/ho-so/{number}/luu-tru.zip" in page


@pytest.mark.parametrize("path", ["ho-so-goc.xml", "luu-tru.zip"])
def test_the_files_are_for_officers_only(provider, envelope, path):
    number = provider.post(envelope()).json()["number"]
    url = f"/co-quan/ho-so/{number}/{path}"
    assert Client().get(url).status_code == 302  # to the sign-in page
    unit = Client()
    unit.force_login(User.objects.create_user("0101300842", password="x"))
    assert unit.get(url).status_code == 302
    assert not AuditEvent.objects.filter(action="console.downloaded").exists()


def test_an_unknown_dossier_is_not_found(officer, agency):
    assert officer.get("/co-quan/ho-so/BHXH-20260101-000009/luu-tru.zip").status_code == 404
