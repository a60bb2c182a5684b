"""Every key source signs a declaration that verifies: PKCS#12, a SoftHSM2 token, a CSC service."""

import socket
import time

import pytest

from openivan.core.dossier import sign_envelope
from openivan.core.errors import OpenIvanError
from openivan.core.signers.csc import CscClient, CscKey
from openivan.core.signers.pkcs11 import Pkcs11Token
from openivan.core.signers.pkcs12 import Pkcs12Key
from openivan.core.xml import codec
from openivan.core.xml.envelope import UNIT_SLOT
from openivan.devpki import samples
from tests.conftest import CSC_ACCOUNT, CSC_PASSWORD
from tests.misbehaving import dribble, dribble_head, flood, misbehaving_server


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return codec.to_bytes(samples.envelope_for(samples.registration()))


def assert_signed_by(verifier, data: bytes, tax_code: str) -> None:
    result = verifier.verify_envelope(data, require_provider=False)
    assert result.signatures[UNIT_SLOT].certificate.facts.tax_code == tax_code


# ---------------------------------------------------------------- PKCS#12

def test_pkcs12_key_signs(pki, verifier, unsigned):
    key = Pkcs12Key.load(pki.pkcs12("unit", "mat-khau"), "mat-khau")
    assert key.chain and key.key_size == 2048
    assert_signed_by(verifier, sign_envelope(unsigned, key), "0101300842")


def test_pkcs12_wrong_password_is_refused(pki):
    with pytest.raises(OpenIvanError) as info:
        Pkcs12Key.load(pki.pkcs12("unit", "mat-khau"), "sai")
    assert info.value.code == "P12_INVALID"


# ---------------------------------------------------------------- PKCS#11

def test_token_lists_its_certificate_and_signs_without_exporting_the_key(softhsm, pki, verifier,
                                                                         unsigned):
    with Pkcs11Token.open(softhsm.label, softhsm.pin, softhsm.module) as token:
        certificates = token.certificates()
        assert [c.certificate for c in certificates] == [pki.certificate("unit")]
        key = token.key_for(certificates[0])
        assert key.key_size == 2048
        data = sign_envelope(unsigned, key)
    assert_signed_by(verifier, data, "0101300842")


def test_wrong_pin_is_refused(softhsm):
    with pytest.raises(OpenIvanError) as info:
        Pkcs11Token.open(softhsm.label, "0000", softhsm.module)
    assert info.value.code == "TOKEN_PIN_INVALID"


def test_missing_token_is_reported_by_label(softhsm):
    with pytest.raises(OpenIvanError) as info:
        Pkcs11Token.open("khong-co-token", softhsm.pin, softhsm.module)
    assert info.value.code == "TOKEN_NOT_FOUND"
    assert "khong-co-token" in info.value.message_vi


def test_missing_module_is_a_token_error(softhsm, tmp_path):
    with pytest.raises(OpenIvanError) as info:
        Pkcs11Token.open(softhsm.label, softhsm.pin, str(tmp_path / "missing.so"))
    assert info.value.code == "TOKEN_ERROR"


# ---------------------------------------------------------------- CSC

@pytest.fixture
def csc(csc_server):
    client = CscClient(csc_server, CSC_ACCOUNT, CSC_PASSWORD)
    client.login()
    yield client
    client.close()


def test_csc_lists_credentials_and_fetches_the_certificate_chain(csc, pki):
    assert "vn/unit" in csc.credentials()
    credential = csc.credential("vn/unit")
    assert credential.certificate == pki.certificate("unit")
    assert pki.certificate("interm") in credential.chain


def test_csc_key_signs_remotely(csc, verifier, unsigned):
    key = CscKey(csc, csc.credential("vn/unit"))
    assert_signed_by(verifier, sign_envelope(unsigned, key, chain=key.chain), "0101300842")


def test_csc_wrong_password_is_refused(csc_server):
    client = CscClient(csc_server, CSC_ACCOUNT, "sai-mat-khau")
    with pytest.raises(OpenIvanError) as info:
        client.credentials()
    assert info.value.code == "CSC_AUTH_FAILED"


def test_csc_unknown_credential_is_reported(csc):
    with pytest.raises(OpenIvanError) as info:
        csc.credential("vn/khong-co")
    assert info.value.code == "CSC_CREDENTIAL_NOT_FOUND"


def test_csc_server_down_is_reported():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = CscClient(f"http://127.0.0.1:{port}", CSC_ACCOUNT, CSC_PASSWORD, timeout=2)
    with pytest.raises(OpenIvanError) as info:
        client.credentials()
    assert info.value.code == "CSC_UNAVAILABLE"


@pytest.mark.parametrize("part", ["body", "head"])
def test_a_signing_service_that_dribbles_its_answer_is_given_up_at_the_timeout(part):
    with misbehaving_server(dribble() if part == "body" else dribble_head()) as url:
        client = CscClient(url, CSC_ACCOUNT, CSC_PASSWORD, timeout=0.5)
        started = time.monotonic()
        with pytest.raises(OpenIvanError) as info:
            client.credentials()
        # Given up long before the dribble's end (50 s); a loaded machine wakes it late.
        assert time.monotonic() - started < 10
    assert info.value.code == "CSC_UNAVAILABLE"
    assert "no whole answer within 0.5 s" in info.value.message_vi


@pytest.mark.parametrize("declared", [True, False])
def test_a_signing_service_answer_larger_than_a_megabyte_is_not_read_whole(declared):
    sent = [0]
    with misbehaving_server(flood(declared, sent)) as url, pytest.raises(OpenIvanError) as info:
        CscClient(url, CSC_ACCOUNT, CSC_PASSWORD).credentials()
    assert info.value.code == "CSC_UNAVAILABLE"
    assert "larger than 1048576 bytes" in info.value.details["reason"]
    assert sent[0] < 16 * 2**20


def test_a_signing_service_answering_json_that_is_not_an_object_is_an_error():
    def a_list(handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"[]")

    with misbehaving_server(a_list) as url, pytest.raises(OpenIvanError) as info:
        CscClient(url, CSC_ACCOUNT, CSC_PASSWORD).credentials()
    assert info.value.code == "CSC_ERROR"
