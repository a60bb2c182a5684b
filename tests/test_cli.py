"""The `openivan` command as an integrator uses it: build, sign, verify, inspect."""

import json
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization

from tests.conftest import CSC_ACCOUNT, CSC_PASSWORD


def openivan(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "openivan.cli", *args], capture_output=True,
                          input=stdin, env={**os.environ, **(env or {})}, timeout=120)


@pytest.fixture
def envelope_file(tmp_path):
    path = tmp_path / "dk.xml"
    result = openivan("xml", "build", "04", "--sample", "--envelope", "-o", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def p12_file(pki, tmp_path):
    path = tmp_path / "unit.p12"
    path.write_bytes(pki.pkcs12("unit", "mat-khau"))
    return path


def sign_with_p12(src, dst, p12):
    return openivan("xml", "sign", str(src), "--p12", str(p12), "-o", str(dst),
                    env={"OPENIVAN_P12_PASSWORD": "mat-khau"})


def test_build_sign_verify_with_a_pkcs12_file(envelope_file, p12_file, trust_dir, tmp_path):
    signed = tmp_path / "dk.signed.xml"
    assert sign_with_p12(envelope_file, signed, p12_file).returncode == 0
    result = openivan("xml", "verify", str(signed), "--trust-store", str(trust_dir))
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "OK Envelope" in out
    assert "CÔNG TY TNHH GIẢI PHÁP MỞ" in out and "0101300842" in out
    assert "ký lúc 20" in out and "ocsp:good" in out


def test_tampered_document_exits_non_zero_with_the_code(envelope_file, p12_file, trust_dir,
                                                         tmp_path):
    signed = tmp_path / "dk.signed.xml"
    sign_with_p12(envelope_file, signed, p12_file)
    signed.write_bytes(signed.read_bytes().replace(b"<KyKeKhai>11/2026<", b"<KyKeKhai>12/2026<"))
    result = openivan("xml", "verify", str(signed), "--trust-store", str(trust_dir))
    assert result.returncode != 0
    assert result.stderr.decode().startswith("SIG_INVALID:")


def test_untrusted_store_exits_non_zero(envelope_file, p12_file, pki, tmp_path):
    signed = tmp_path / "dk.signed.xml"
    sign_with_p12(envelope_file, signed, p12_file)
    other = pki.write_trust_store(tmp_path / "other", roots=("rogue-root",), intermediates=())
    result = openivan("xml", "verify", str(signed), "--trust-store", str(other))
    assert result.returncode != 0 and b"CERT_UNTRUSTED" in result.stderr


def test_messages_follow_the_language(envelope_file, trust_dir):
    vi = openivan("xml", "verify", str(envelope_file), "--trust-store", str(trust_dir))
    en = openivan("xml", "verify", str(envelope_file), "--trust-store", str(trust_dir),
                  env={"LANG": "en_US.UTF-8"})
    assert vi.stderr.decode().startswith("SIG_MISSING: Tài liệu chưa được ký số.")
    assert en.stderr.decode().startswith("SIG_MISSING: The document is not signed.")


def test_sign_with_a_pkcs11_token(envelope_file, softhsm, trust_dir, tmp_path):
    signed = tmp_path / "token.xml"
    result = openivan("xml", "sign", str(envelope_file), "--token-label", softhsm.label,
                      "--pkcs11-module", softhsm.module, "-o", str(signed),
                      env={"OPENIVAN_PIN": softhsm.pin, "SOFTHSM2_CONF": softhsm.conf})
    assert result.returncode == 0, result.stderr
    assert openivan("xml", "verify", str(signed), "--trust-store", str(trust_dir)).returncode == 0


def test_wrong_pin_exits_with_its_code(envelope_file, softhsm, tmp_path):
    result = openivan("xml", "sign", str(envelope_file), "--token-label", softhsm.label,
                      "--pkcs11-module", softhsm.module, "-o", str(tmp_path / "x.xml"),
                      env={"OPENIVAN_PIN": "9999", "SOFTHSM2_CONF": softhsm.conf})
    assert result.returncode != 0 and b"TOKEN_PIN_INVALID" in result.stderr
    assert not (tmp_path / "x.xml").exists()


def test_sign_with_a_csc_service(envelope_file, csc_server, trust_dir, tmp_path):
    signed = tmp_path / "csc.xml"
    result = openivan("xml", "sign", str(envelope_file), "--csc-url", csc_server,
                      "--csc-account", CSC_ACCOUNT, "--csc-credential", "vn/unit",
                      "-o", str(signed), env={"OPENIVAN_CSC_PASSWORD": CSC_PASSWORD})
    assert result.returncode == 0, result.stderr
    assert openivan("xml", "verify", str(signed), "--trust-store", str(trust_dir)).returncode == 0


def test_build_from_json_and_refuse_bad_tax_code(tmp_path):
    data = {"header": {"place": "Hà Nội", "declared_on": "20/11/2026", "unit_name": "CTY A",
                       "unit_code": "TA1", "tax_code": "0100047516", "address": "HN",
                       "email": "a@b.vn", "phone": "0912345678"},
            "ivan_name": "I-VAN MỞ", "ivan_code": "00040", "stop_on": "2026-12-31",
            "reason": "Chuyển nhà cung cấp"}
    ok = openivan("xml", "build", "06", "--json", "-", stdin=json.dumps(data).encode())
    assert ok.returncode == 0 and b"<NgungIVAN" in ok.stdout
    data["header"]["tax_code"] = "0100047517"
    bad = openivan("xml", "build", "06", "--json", "-", stdin=json.dumps(data).encode())
    assert bad.returncode != 0 and b"MST_CHECKSUM" in bad.stderr


def test_cert_inspect_prints_the_tax_code(pki, tmp_path):
    path = tmp_path / "unit.pem"
    path.write_bytes(pki.certificate("unit-branch").public_bytes(serialization.Encoding.PEM))
    result = openivan("cert", "inspect", str(path))
    assert result.returncode == 0
    info = json.loads(result.stdout)
    assert info["tax_code"] == "0101300842-001" and info["ocsp_urls"]


def test_an_envelope_built_with_a_scan_is_signed_as_units_and_providers_software_do(
        pki, trust_dir, tmp_path):
    from lxml import etree

    scan, unsigned = tmp_path / "giay-phep.pdf", tmp_path / "hoso.xml"
    scan.write_bytes(b"%PDF-1.4 scan")
    built = openivan("xml", "build", "04", "--sample", "--envelope", "--attach", str(scan),
                     "-o", str(unsigned))
    assert built.returncode == 0, built.stderr
    keys = {}
    for label in ("unit", "provider"):
        keys[label] = tmp_path / f"{label}.p12"
        keys[label].write_bytes(pki.pkcs12(label, "mat-khau"))
    unit_signed, both = tmp_path / "hoso.unit.xml", tmp_path / "hoso.both.xml"
    assert sign_with_p12(unsigned, unit_signed, keys["unit"]).returncode == 0
    assert sign_with_p12(unit_signed, both, keys["provider"]).returncode == 0
    root = etree.fromstring(both.read_bytes())  # a plain parser: the real names, no namespace
    assert [e.tag for e in root] == ["NoiDung", "CKy_Dvi", "CKy_IVAN"]
    assert [f.findtext("LoaiFile") for f in root.iter("FileToKhai")] == [".xml", ".pdf"]
    result = openivan("xml", "verify", str(both), "--trust-store", str(trust_dir))
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "CKy_Dvi" in out and "CKy_IVAN" in out and "FileToKhai[1]/Cky" in out
    assert "giay-phep.pdf (pdf, 13 byte)" in out


def test_a_form_without_a_sample_is_refused_with_its_code():
    result = openivan("xml", "build", "01-tb", "--sample")
    assert result.returncode == 2
    assert result.stderr.decode().startswith("SAMPLE_NOT_AVAILABLE: Không có dữ liệu mẫu cho tờ "
                                             "khai 01-tb")


def test_signing_without_a_key_is_refused_with_its_code(envelope_file, tmp_path):
    result = openivan("xml", "sign", str(envelope_file), "-o", str(tmp_path / "out.xml"),
                      env={"LANG": "en_US.UTF-8"})
    assert result.returncode == 2
    assert result.stderr.decode().startswith("SIGNING_KEY_REQUIRED: Choose a signing key")
    assert not (tmp_path / "out.xml").exists()
