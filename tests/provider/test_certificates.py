"""Chứng thư số › Thêm mới from an HSM (the CSC test service), and signing with it."""

from __future__ import annotations

import socket

import pytest

from openivan.core.errors import OpenIvanError
from openivan.core.signers.csc import CscAccount
from openivan.platform import sealing
from openivan.provider.models import CertificateSource, TransactionKind
from openivan.provider.models import TransactionStatus as S
from openivan.provider.services import certificates, sending, transactions
from tests.conftest import CSC_ACCOUNT, CSC_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hsm(csc_server: str) -> CscAccount:
    return CscAccount(csc_server, CSC_ACCOUNT, CSC_PASSWORD)


def test_the_hsm_accounts_certificates_come_with_why_each_may_not_be_used(bare_unit, hsm):
    offered = {o.credential: o for o in certificates.hsm_certificates(bare_unit, hsm)}
    assert offered["vn/unit"].refusal is None
    assert offered["vn/unit"].facts.tax_code == bare_unit.tax_code
    assert offered["vn/unit2"].refusal.code == "MST_MISMATCH"
    assert offered["vn/unit-expired"].refusal.code == "CERT_EXPIRED"
    assert offered["vn/unit-future"].refusal.code == "CERT_NOT_YET_VALID"


def test_a_wrong_hsm_password_is_refused_with_the_reason(bare_unit, csc_server):
    with pytest.raises(OpenIvanError) as refused:
        certificates.hsm_certificates(bare_unit, CscAccount(csc_server, CSC_ACCOUNT, "sai"))
    assert refused.value.code == "CSC_AUTH_FAILED"


def test_an_hsm_out_of_reach_is_said(bare_unit):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{unused.getsockname()[1]}"
    with pytest.raises(OpenIvanError) as refused:
        certificates.hsm_certificates(bare_unit, CscAccount(closed, CSC_ACCOUNT, CSC_PASSWORD))
    assert refused.value.code == "CSC_UNAVAILABLE"


def test_an_added_hsm_certificate_keeps_its_password_sealed(bare_unit, hsm, accountant):
    added = certificates.add_hsm_certificate(bare_unit, hsm, "vn/unit", accountant)
    assert added.source == CertificateSource.HSM and added.hsm_credential == "vn/unit"
    assert CSC_PASSWORD.encode() not in bytes(added.hsm_sealed_password)
    assert certificates.hsm_password(added) == CSC_PASSWORD
    with pytest.raises(OpenIvanError) as again:
        certificates.add_hsm_certificate(bare_unit, hsm, "vn/unit", accountant)
    assert again.value.code == "CERT_ALREADY_ADDED"


def test_another_units_certificate_is_refused_on_confirmation_too(bare_unit, hsm, accountant):
    with pytest.raises(OpenIvanError) as refused:  # chosen on a page that was tampered with
        certificates.add_hsm_certificate(bare_unit, hsm, "vn/unit2", accountant)
    assert refused.value.code == "MST_MISMATCH"
    assert not bare_unit.certificates.exists()


def test_a_transaction_signed_by_the_hsm_reaches_the_agency(bare_unit, hsm, accountant,
                                                            client):
    added = certificates.add_hsm_certificate(bare_unit, hsm, "vn/unit", accountant)
    draft = transactions.save_draft(bare_unit, TransactionKind.REGISTER,
                                    {"certificate": added.pk}, accountant)
    signing = transactions.start_signing(bare_unit, draft.pk, accountant)
    assert signing.status == S.SIGNING and bytes(signing.unsigned_xml)
    signed = transactions.sign_with_hsm(draft.pk)
    assert signed.status == S.SIGNED
    received = sending.send(sending.queue(draft.pk).pk, client)
    assert received.status == S.RECEIVED and received.agency_number


def test_an_hsm_refusing_to_sign_gives_the_draft_back_with_the_reason(bare_unit, hsm,
                                                                       accountant, connected):
    added = certificates.add_hsm_certificate(bare_unit, hsm, "vn/unit", accountant)
    added.hsm_sealed_password = sealing.seal("doi-mat-khau-roi")  # changed at the HSM since
    added.save()
    draft = transactions.save_draft(bare_unit, TransactionKind.REGISTER,
                                    {"certificate": added.pk}, accountant)
    transactions.start_signing(bare_unit, draft.pk, accountant)
    back = transactions.sign_with_hsm(draft.pk)
    assert back.status == S.DRAFT and back.error_code == "CSC_AUTH_FAILED"
    assert not bytes(back.signed_xml)
