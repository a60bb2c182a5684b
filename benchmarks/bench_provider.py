"""The provider's service: CPU per transaction, and its pages for an accounting firm.

    .venv/bin/python benchmarks/bench_provider.py [--transactions 40] [--units 1000]
                                                  [--history 200000] [--repeat 9]

What runs: a throwaway PostgreSQL (tools/with_postgres.py; started here when DATABASE_URL is
unset), the demo CA (OCSP, CRL), and the agency's role under `openivan manage serve` on its own
core; this process is the provider, on another core, in the same database (both roles, as the
demo runs them).

1. CPU per transaction: from "Ký và gửi BH" (the draft saved, signed with the unit's PKCS#12
   key and countersigned, queued, sent, the agency's signed answers checked and stored) to
   the stored reception answer — this process's CPU, the agency's not counted. Baseline,
   measured in the same run: one signing of the same envelope with the same key.
   Target: <= 3 signings' worth of CPU per transaction.
2. Pages: "Lịch sử GD" and "Chứng thư số" of an accounting firm acting for `--units` units
   with `--history` transactions among them, through Django's WSGI handler, the median of
   `--repeat` requests. Baseline: the page of one transaction. Target: every page <= 5 x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import register_provider, start_server

ROOT = Path(__file__).resolve().parent.parent
TARGET_SIGNINGS = 3.0
TARGET_PAGES = 5.0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transactions", type=int, default=40)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--history", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--profile", action="store_true",
                        help="print where a transaction's CPU goes (cProfile), then stop")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        return subprocess.call([sys.executable, str(ROOT / "tools/with_postgres.py"), "--",
                                sys.executable, *sys.argv])
    cores = sorted(os.sched_getaffinity(0))
    mine, agency_cores = {cores[0]}, set(cores[1:] or cores)
    os.sched_setaffinity(0, mine)
    from openivan.devpki import DevPKI

    with tempfile.TemporaryDirectory() as tmp:
        pki = DevPKI.create(tmp)
        with pki.serve():
            trust = str(pki.write_trust_store(Path(tmp) / "trust"))
            (Path(tmp) / "agency.p12").write_bytes(pki.pkcs12("agency", "bench"))
            (Path(tmp) / "agency.pem").write_bytes(_pem(pki.certificate("agency")))
            (Path(tmp) / "provider.p12").write_bytes(pki.pkcs12("provider", "bench"))
            env = dict(os.environ, SECRET_KEY="bench-" + os.urandom(8).hex(), DEBUG="0",
                       DJANGO_SETTINGS_MODULE="openivan.conf.settings", OPENIVAN_HOME=tmp,
                       OPENIVAN_TRUST_STORE=trust, OPENIVAN_AGENCY_P12=f"{tmp}/agency.p12",
                       OPENIVAN_AGENCY_P12_PASSWORD="bench",
                       OPENIVAN_RATE_LIMIT_PER_MINUTE="100000000", LOG_LEVEL="WARNING")
            server, url = start_server(env, None, None, agency_cores, Path(tmp) / "server.log")
            try:
                key = register_provider(env)
                os.environ.update({k: v for k, v in env.items() if k.startswith(
                    ("SECRET", "DEBUG", "DJANGO", "OPENIVAN", "LOG"))})
                os.environ.update(OPENIVAN_AGENCY_URL=url, OPENIVAN_AGENCY_API_KEY=key,
                                  OPENIVAN_AGENCY_CERTIFICATES=f"{tmp}/agency.pem",
                                  OPENIVAN_PROVIDER_P12=f"{tmp}/provider.p12",
                                  OPENIVAN_PROVIDER_P12_PASSWORD="bench")
                import django

                django.setup()
                cpu_verdict = transactions_cpu(pki, args.transactions, args.profile)
                if args.profile:
                    return 0
                page_verdict = pages(pki, args.units, args.history, args.repeat)
            finally:
                server.terminate()
                server.wait(10)
    passed = cpu_verdict and page_verdict
    print(f"verdict (CPU per transaction and pages): {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1


def _pem(cert):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.PEM)


def transactions_cpu(pki, count: int, profile: bool = False) -> bool:  # type: ignore[no-untyped-def]
    from openivan.core.dossier import sign_envelope
    from openivan.provider import settings as provider_settings
    from openivan.provider.models import TransactionKind, TransactionStatus
    from openivan.provider.services import certificates, sending, transactions, units

    unit = units.create_unit("0101300842", "CÔNG TY TNHH GIẢI PHÁP MỞ", None, unit_code="TA1234",
                             address="Số 7 Tràng Thi, Hà Nội", email="ketoan@giaiphapmo.vn",
                             phone="0912345678", province="Hà Nội",
                             managing_agency="BHXH quận Hoàn Kiếm",
                             contact_person="Nguyễn Văn An")
    chosen = certificates.add_file_certificate(
        unit, pki.certificate("unit"), None, pkcs12=pki.pkcs12("unit", "bench"), password="bench")
    key = certificates.file_key(chosen)
    client = provider_settings.agency_client()

    def one() -> None:
        draft = transactions.save_draft(unit, TransactionKind.REGISTER,
                                        {"certificate": chosen.pk}, None)
        transactions.sign_with_key(unit, draft.pk, key, None)
        sending.queue(draft.pk)
        sent = sending.send(draft.pk, client)
        assert sent.status == TransactionStatus.RECEIVED, (sent.status, sent.error_code)

    for _ in range(3):  # warm: caches of chains, OCSP answers, connections
        one()
    if profile:
        import cProfile
        import pstats

        with cProfile.Profile(time.process_time) as profiler:
            for _ in range(count):
                one()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return True
    started = time.process_time()
    for _ in range(count):
        one()
    per_transaction = (time.process_time() - started) / count
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as statements:
        one()
    sample = transactions.unsigned_envelope(unit.transactions.first())
    sign_envelope(sample, key)
    started = time.process_time()
    for _ in range(count):
        sign_envelope(sample, key)
    per_signing = (time.process_time() - started) / count
    floor = work_itself(sample, key, client, unit.transactions.first(), count)
    client.close()
    ratio = per_transaction / per_signing
    print(f"provider CPU per transaction: {per_transaction * 1000:.1f} ms "
          f"(sign, countersign, queue, send, check and store the answers)")
    print(f"  of which {len(statements)} SQL statements through Django's ORM")
    print(f"one signing (baseline):       {per_signing * 1000:.1f} ms")
    print(f"the work itself (floor):      {floor * 1000:.1f} ms = "
          f"{floor / per_signing:.2f} signings (sign, countersign, check the agency's "
          f"answers; no database, no HTTP)")
    verdict = ratio <= TARGET_SIGNINGS
    print(f"ratio: {ratio:.2f} signings per transaction (target <= {TARGET_SIGNINGS:.0f}): "
          f"{'PASS' if verdict else 'FAIL'}", flush=True)
    return verdict


def work_itself(sample: bytes, key, client, sent, count: int) -> float:  # type: ignore[no-untyped-def]
    """What any provider must compute per transaction, outside the framework: the unit's
    signatures, the provider's countersignature, the check of the agency's signed answers."""
    from openivan.core.dossier import countersign, sign_envelope
    from openivan.provider import settings as provider_settings

    provider_key = provider_settings.countersigning_key()
    answers = [bytes(a.signed_xml) for a in sent.answers.all()]
    started = time.process_time()
    for _ in range(count):
        signed = sign_envelope(sample, key)
        if provider_key is not None:
            countersign(signed, provider_key)
        for answer in answers:
            client.check_answer(answer)
    return (time.process_time() - started) / count


def pages(pki, unit_count: int, history: int, repeat: int) -> bool:  # type: ignore[no-untyped-def]
    from django.test import Client

    from openivan.provider.models import Transaction, Unit
    from openivan.provider.services import accounts

    started = time.perf_counter()
    firm_units = fill(pki, unit_count, history)
    firm = accounts.create_account("ketoan.bench", "Mat-khau-bench-2026", firm_units, None)
    print(f"{unit_count} units, {history} transactions (filled in "
          f"{time.perf_counter() - started:.0f} s)")
    client = Client(HTTP_HOST="localhost")
    client.force_login(firm)
    busiest = Unit.objects.get(tax_code=firm_units[0].tax_code)
    one = Transaction.objects.filter(unit=busiest).order_by("-id").first()
    base = f"/ivan/don-vi/{busiest.tax_code}"
    baseline = median_ms(client, f"{base}/giao-dich/{one.pk}/", repeat)
    print(f"one transaction (baseline): {baseline:.1f} ms")
    checked = [("Lịch sử GD, page 1", f"{base}/lich-su/"),
               ("Lịch sử GD, page 4", f"{base}/lich-su/?page=4"),
               ("Lịch sử GD, by kind", f"{base}/lich-su/?kind=change"),
               ("Lịch sử GD, by date", f"{base}/lich-su/?from=2026-01-01&to=2026-03-31"),
               ("Chứng thư số", f"{base}/chung-thu-so/"),
               ("Thông tin đơn vị", f"{base}/"),
               ("the firm's units", "/ivan/")]
    passed = True
    for label, path in checked:
        took = median_ms(client, path, repeat)
        ratio = took / baseline
        ok = ratio <= TARGET_PAGES
        passed &= ok
        print(f"{label:24} {took:8.1f} ms  {ratio:5.2f} x  {'ok' if ok else 'SLOW'}")
    print(f"pages: every page <= {TARGET_PAGES:.0f} x the page of one transaction: "
          f"{'PASS' if passed else 'FAIL'}", flush=True)
    return passed


def fill(pki, unit_count: int, history: int) -> list:  # type: ignore[no-untyped-def]
    """Units with a certificate each and `history` transactions, most of them on the first
    units (a firm's big clients), made with bulk inserts as the services would write them."""
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives.serialization import Encoding
    from django.db import connection

    from openivan.core.pki.facts import facts
    from openivan.provider.models import Transaction, Unit, UnitCertificate

    cert = pki.certificate("unit")
    found = facts(cert)
    der = cert.public_bytes(Encoding.DER)
    made = Unit.objects.bulk_create([Unit(
        tax_code=f"{9000000000 + n}", name=f"CÔNG TY SỐ {n}", email=f"u{n}@example.vn",
        address="Hà Nội", province="Hà Nội", managing_agency="BHXH Hà Nội",
        contact_person="Kế toán", phone="0912345678") for n in range(unit_count)])
    now = datetime.now(UTC)
    UnitCertificate.objects.bulk_create([UnitCertificate(
        unit=u, source="file", status="in_use", der=der, thumbprint=f"{n:064X}",
        serial=found.serial, subject=found.subject, issuer=found.issuer,
        not_before=found.not_before, not_after=found.not_after, added_at=now)
        for n, u in enumerate(made)])
    kinds = ["register", "change", "stop", "stop_other"]
    statuses = ["accepted", "rejected", "received", "draft"]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    batch = []
    for n in range(history):
        unit = made[n % 10] if n % 2 else made[n % len(made)]  # half on ten big clients
        at = start + timedelta(seconds=n * 450)
        batch.append(Transaction(unit=unit, kind=kinds[n % 4], status=statuses[n % 4],
                                 idempotency_key=f"BENCH-{n}", agency_number=f"BHXH-{n:012d}",
                                 created_at=at, updated_at=at, form={}))
        if len(batch) == 2000:
            Transaction.objects.bulk_create(batch)
            batch = []
    Transaction.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return made


def median_ms(client, path: str, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times)


if __name__ == "__main__":
    raise SystemExit(main())
