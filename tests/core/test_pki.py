"""Certificates against a real PKI served on loopback (certomancer: CA, OCSP, CRLs)."""

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization

from openivan.core.errors import OpenIvanError
from openivan.core.pki import (
    ChainValidator,
    RevocationChecker,
    TrustStore,
    Unreachable,
    facts,
    load_certificate,
    parse_uid,
    validate_certificate,
)
from openivan.core.pki.revocation import http_fetch
from tests.misbehaving import dribble, dribble_head, flood, misbehaving_server

NOW = datetime.now(UTC)


def validate(pki, chains, label, policy="hard", checker=None):
    return validate_certificate(pki.certificate(label), NOW, chains,
                                checker or RevocationChecker(policy))


def refused(*args, **kw) -> OpenIvanError:
    with pytest.raises(OpenIvanError) as info:
        validate(*args, **kw)
    return info.value


def test_facts_read_the_tax_code_from_the_subject_uid(pki):
    info = facts(pki.certificate("unit"))
    assert info.tax_code == "0101300842"
    assert info.common_name == "CÔNG TY TNHH GIẢI PHÁP MỞ"
    assert info.key_usage == ("digital_signature", "non_repudiation") and info.can_sign
    assert info.serial == format(pki.certificate("unit").serial_number, "X")
    assert info.ocsp_urls[0].startswith(pki.url) and info.crl_urls[0].startswith(pki.url)
    assert len(info.thumbprint_sha256) == 64 and not info.is_ca


def test_facts_read_branch_and_personal_identifiers(pki):
    assert facts(pki.certificate("unit-branch")).tax_code == "0101300842-001"
    assert facts(pki.certificate("person-cccd")).ids.cccd == "001090000001"
    assert facts(pki.certificate("person-cmnd")).ids.cmnd == "012345678"


def test_uid_parsing_tolerates_spacing_and_case():
    assert parse_uid(["mst: 0101300842-999"]).tax_code == "0101300842-999"
    assert parse_uid(["something else"]).tax_code is None


def test_certificates_load_from_pem_and_der_and_junk_is_refused(pki):
    cert = pki.certificate("unit")
    assert load_certificate(cert.public_bytes(serialization.Encoding.PEM)) == cert
    assert load_certificate(cert.public_bytes(serialization.Encoding.DER)) == cert
    with pytest.raises(OpenIvanError, match="CERT_MALFORMED"):
        load_certificate(b"junk")


def test_valid_certificate_is_accepted_with_ocsp_evidence(pki, chains):
    result = validate(pki, chains, "unit")
    assert [c.subject for c in result.chain.certificates] == [
        pki.certificate(label).subject for label in ("unit", "interm", "root")]
    leaf = result.revocation[0]
    assert (leaf.status, leaf.source) == ("good", "ocsp")
    assert leaf.evidence and leaf.evidence_ref.startswith("ocsp:")


def test_revoked_certificate_is_refused_with_its_revocation_time(pki, chains):
    error = refused(pki, chains, "unit-revoked")
    assert error.code == "CERT_REVOKED"
    assert error.details["revoked_at"].startswith("2026-01-01")


@pytest.mark.parametrize(("label", "code"), [
    ("unit-expired", "CERT_EXPIRED"),
    ("unit-future", "CERT_NOT_YET_VALID"),
    ("unit-untrusted", "CERT_UNTRUSTED"),
    ("unit-encipher-only", "CERT_KEY_USAGE"),
])
def test_bad_certificates_are_refused_with_their_code(pki, chains, label, code):
    assert refused(pki, chains, label).code == code


def test_ocsp_down_falls_back_to_the_crl(pki_outage, chains):
    pki_outage.ocsp_up = False
    result = validate(pki_outage, chains, "unit")
    assert (result.revocation[0].source, result.revocation[0].status) == ("crl", "good")
    assert result.revocation[0].evidence_ref.startswith("crl:")
    assert refused(pki_outage, chains, "unit-revoked").code == "CERT_REVOKED"  # CRL knows too


def test_both_down_refuses_under_hard_fail(pki_outage, chains):
    pki_outage.ocsp_up = pki_outage.crl_up = False
    error = refused(pki_outage, chains, "unit", policy="hard")
    assert error.code == "REVOCATION_UNAVAILABLE"
    assert any("503" in p for p in error.details["problems"])


def test_both_down_accepts_under_soft_fail_and_says_so(pki_outage, chains):
    pki_outage.ocsp_up = pki_outage.crl_up = False
    result = validate(pki_outage, chains, "unit", policy="soft")
    assert result.revocation[0].status == "unknown" and result.revocation[0].soft_failed


def test_answers_are_cached_until_next_update(pki, chains):
    checker = RevocationChecker("hard")
    validate(pki, chains, "unit", checker=checker)
    before = len(pki.requests)
    validate(pki, chains, "unit", checker=checker)
    assert len(pki.requests) == before  # OCSP and CRL answers both served from the cache


def test_an_ocsp_answer_is_reused_no_longer_than_asked(pki, chains):
    checker = RevocationChecker("hard", max_ocsp_age=timedelta(0))
    validate(pki, chains, "unit", checker=checker)
    before, crls = pki.asked("ocsp"), pki.asked("crls")
    validate(pki, chains, "unit", checker=checker)
    assert pki.asked("ocsp") == before + 1  # asked again: a revocation since would show
    assert pki.asked("crls") == crls  # the CRL is still reused


def test_a_process_keeps_a_bounded_number_of_ocsp_answers_the_oldest_go_first(pki, chains):
    checker = RevocationChecker("hard", max_ocsp_answers=3)
    for label in ("unit", "unit2", "provider", "agency"):  # past the bound: down to 2
        validate(pki, chains, label, checker=checker)
    asked = pki.asked("ocsp")
    validate(pki, chains, "agency", checker=checker)
    validate(pki, chains, "provider", checker=checker)
    assert pki.asked("ocsp") == asked  # the newest answers are still there
    validate(pki, chains, "unit", checker=checker)
    assert pki.asked("ocsp") == asked + 1  # the oldest went and is asked again


def test_a_responder_that_hangs_is_rested_and_the_crl_answers_meanwhile(
        pki_outage, chains, caplog):
    pki_outage.ocsp_hangs = 3.0  # past the OCSP fetch's timeout
    now = [datetime.now(UTC)]
    # The CRL gets its own, longer timeout: the dev PKI's first CRL takes ~1 s to make (certomancer
    # warming up), which a test run alone, or first on its worker, met within 0.3 s.
    ocsp, crl = http_fetch(timeout=0.3), http_fetch(timeout=10)
    checker = RevocationChecker(
        "hard", fetch=lambda url, body: (crl if body is None else ocsp)(url, body),
        clock=lambda: now[0], rest_unreachable=timedelta(seconds=30))
    first = validate(pki_outage, chains, "unit", checker=checker)
    assert first.revocation[0].source == "crl"
    asked = pki_outage.asked("ocsp")
    for label in ("unit", "provider"):  # another certificate of the same CA too
        assert validate(pki_outage, chains, label, checker=checker).revocation[0].source == "crl"
    assert refused(pki_outage, chains, "unit-revoked", checker=checker).code == "CERT_REVOKED"
    assert pki_outage.asked("ocsp") == asked  # not asked while resting
    warned = [r.getMessage() for r in caplog.records if r.name == "openivan.core.pki.revocation"]
    assert len(warned) == 1 and "/ocsp/" in warned[0], warned
    assert "no whole answer within 0.3 s" in warned[0], warned
    pki_outage.ocsp_hangs = 0.0
    now[0] += timedelta(seconds=31)
    assert validate(pki_outage, chains, "unit", checker=checker).revocation[0].source == "ocsp"


def test_only_a_responder_that_did_not_answer_is_rested(pki, chains):
    calls: list[str] = []

    def fetch(url: str, body: bytes | None) -> bytes:
        calls.append(url)
        if "/ocsp/" in url:
            return b"not an OCSP response"  # it answered: the next certificate asks again
        raise Unreachable(f"{url}: HTTP 503")

    checker = RevocationChecker("hard", fetch=fetch)
    for _ in range(2):
        error = refused(pki, chains, "unit", checker=checker)
        assert error.code == "REVOCATION_UNAVAILABLE"
    assert sum("/ocsp/" in url for url in calls) == 2
    assert sum("/crls/" in url for url in calls) == 1
    assert any("not asked again before" in problem for problem in error.details["problems"])


def test_trust_store_folder_must_hold_a_root(tmp_path, pki):
    with pytest.raises(OpenIvanError, match="TRUST_STORE_INVALID"):
        TrustStore.from_directory(tmp_path / "missing")
    (tmp_path / "interm.pem").write_bytes(
        pki.certificate("interm").public_bytes(serialization.Encoding.PEM))
    with pytest.raises(OpenIvanError, match="TRUST_STORE_INVALID"):
        TrustStore.from_directory(tmp_path)


def slow_counting_fetch(calls: Counter[str], delay: float = 0.3):  # type: ignore[no-untyped-def]
    """The real fetch, late enough that the threads of a test all ask while it is under way."""
    fetch = http_fetch()

    def counted(url: str, body: bytes | None) -> bytes:
        calls["ocsp" if "/ocsp/" in url else "crls"] += 1
        time.sleep(delay)
        return fetch(url, body)

    return counted


def at_once(checker: RevocationChecker, pki, chains, labels: list[str]) -> list[object]:
    """Validate each label in its own thread, all at the same time."""
    start, results = threading.Barrier(len(labels)), [None] * len(labels)

    def one(n: int) -> None:
        start.wait()
        try:
            results[n] = validate(pki, chains, labels[n], checker=checker)
        except OpenIvanError as error:
            results[n] = error

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(labels))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return results


def test_threads_checking_one_certificate_at_once_ask_its_responder_once(pki, chains):
    # A provider's certificate countersigns all its dossiers: when its answer expires, every
    # thread then verifying one of them used to ask the CA at once, and wait for it.
    calls: Counter[str] = Counter()
    checker = RevocationChecker("hard", fetch=slow_counting_fetch(calls))
    results = at_once(checker, pki, chains, ["provider"] * 8)
    assert all(r.revocation[0].status == "good" for r in results), results
    assert calls["ocsp"] == 1
    assert calls["crls"] == 1  # the intermediate's, from the root's CRL


def test_threads_needing_one_crl_at_once_fetch_it_once(pki_outage, chains):
    # With the CA's responder down, every certificate it issued is checked on its CRL, which
    # can be megabytes to fetch and parse.
    pki_outage.ocsp_up = False
    calls: Counter[str] = Counter()
    checker = RevocationChecker("hard", fetch=slow_counting_fetch(calls))
    results = at_once(checker, pki_outage, chains, ["unit", "unit2", "provider"] * 2)
    assert all(r.revocation[0].source == "crl" for r in results), results
    assert calls["crls"] == 2  # the CA's and the root's, once each


def test_threads_waiting_for_one_answer_share_its_refusal(pki_outage, chains):
    pki_outage.ocsp_up = pki_outage.crl_up = False
    calls: Counter[str] = Counter()
    checker = RevocationChecker("hard", fetch=slow_counting_fetch(calls))
    results = at_once(checker, pki_outage, chains, ["provider"] * 4)
    assert [getattr(r, "code", r) for r in results] == ["REVOCATION_UNAVAILABLE"] * 4
    assert calls == {"ocsp": 1, "crls": 1}  # then rested: the next check does not wait


@pytest.mark.parametrize("part", ["body", "head"])
def test_a_server_that_dribbles_its_answer_is_given_up_at_the_timeout(part):
    with misbehaving_server(dribble() if part == "body" else dribble_head()) as url:
        started = time.monotonic()
        with pytest.raises(Unreachable, match=r"no whole answer within 0\.5 s"):
            http_fetch(timeout=0.5)(f"{url}/ca.crl", None)
        # Given up long before the dribble's end (50 s); a loaded machine wakes it late.
        assert time.monotonic() - started < 10


@pytest.mark.parametrize("declared", [True, False])
def test_an_answer_larger_than_the_limit_is_not_read_whole(declared):
    sent = [0]
    with misbehaving_server(flood(declared, sent)) as url, pytest.raises(
            Unreachable, match="larger than 1048576 bytes"):
        http_fetch(max_bytes=2**20)(f"{url}/ca.crl", None)
    assert sent[0] < 16 * 2**20  # it stopped reading, far from the 64 MiB sent


# ---------------------------------------------------------------- a CA that names no source


def validate_bare(pki, chains, checker):
    """The unit's certificate issued by an intermediate that names no OCSP responder and no
    CRL (the intermediate travels with the signature, as in KeyInfo)."""
    return validate_certificate(pki.certificate("unit-bare-ca"), NOW, chains, checker,
                                [pki.certificate("interm-bare")])


def test_a_ca_naming_no_revocation_source_passes_with_no_information_in_the_evidence(
        pki, chains):
    assert not (facts(pki.certificate("interm-bare")).ocsp_urls
                or facts(pki.certificate("interm-bare")).crl_urls)
    result = validate_bare(pki, chains, RevocationChecker("hard"))
    leaf, ca = result.revocation
    assert (leaf.source, leaf.status) == ("ocsp", "good")  # the unit's own responder
    assert (ca.source, ca.status, ca.soft_failed) == ("none", "unknown", False)
    assert ca.evidence_ref == "none:no revocation information"
    assert result.evidence[1]["ref"] == "none:no revocation information"


def test_a_ca_naming_no_source_is_checked_by_its_issuers_crl_when_known(pki, trust_dir):
    store = TrustStore.from_directory(trust_dir)  # `interm` names the root's CRL
    checker = RevocationChecker("hard", issuer_crls=store.issuer_crls())  # a fresh process's
    result = validate_bare(pki, ChainValidator(store), checker)
    assert (result.revocation[1].source, result.revocation[1].status) == ("crl", "good")
    assert "/crls/root/" in result.revocation[1].evidence_ref


def test_the_require_policy_refuses_a_ca_naming_no_source(pki, chains):
    with pytest.raises(OpenIvanError) as info:
        validate_bare(pki, chains, RevocationChecker("require"))
    assert info.value.code == "REVOCATION_UNAVAILABLE"
    assert any("names no OCSP responder and no CRL" in p for p in info.value.details["problems"])


def test_a_leaf_naming_no_source_is_still_an_unavailable_source(pki):
    # Only CA certificates pass without revocation information: not a unit's.
    with pytest.raises(OpenIvanError) as info:
        RevocationChecker("hard").check(_without_sources(pki), pki.certificate("interm-bare"))
    assert info.value.code == "REVOCATION_UNAVAILABLE"


def _without_sources(pki):
    """A unit certificate naming no OCSP responder and no CRL, issued by `interm-bare`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    unit = pki.certificate("unit")
    return (x509.CertificateBuilder().subject_name(unit.subject)
            .issuer_name(pki.certificate("interm-bare").subject)
            .public_key(unit.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=30))
            .sign(pki.private_key("interm-bare"), hashes.SHA256()))
