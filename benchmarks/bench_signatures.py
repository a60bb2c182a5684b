"""Signatures per second on one core, beside the raw RSA-2048 verify rate of the same run.

    .venv/bin/python benchmarks/bench_signatures.py [--seconds 3]

Measures, for a ~2 KB 04/ĐK-IVAN envelope signed by a unit of the dev PKI:
- sign/s: build the signature (PKCS#12 key) into the envelope; and the unit's whole signing
  (the attached declaration in its Cky, then the envelope in CKy_Dvi);
- full verify/s: hardened parse, schema, signature, chain, revocation (answers cached, as in
  production between two nextUpdate times) — the target's definition;
- verify + typed model/s: the same, then reading the business data into the typed model;
- baseline: `cryptography` RSA-2048 PKCS#1 v1.5 SHA-256 verifies/s of a small message.
Target (issue 2): full verify/s >= 1/20 of the baseline.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from openivan.core.dossier import sign_envelope
from openivan.core.pki import ChainValidator, RevocationChecker, TrustStore
from openivan.core.verification import Verifier
from openivan.core.xml import codec
from openivan.core.xml.envelope import UNIT_SLOT
from openivan.core.xmlsig import sign
from openivan.devpki import DevPKI, samples

TARGET_RATIO = 1 / 20


def rate(action: Callable[[], object], seconds: float) -> float:
    action()  # warm caches
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        action()
        count += 1
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

    with tempfile.TemporaryDirectory() as tmp:
        pki = DevPKI.create(tmp)
        with pki.serve():
            key = pki.pkcs12_key("unit")
            unsigned = codec.to_bytes(samples.envelope_for(samples.registration()))
            signed = sign_envelope(unsigned, key)  # the declaration's Cky, then CKy_Dvi
            verifier = Verifier(ChainValidator(TrustStore.from_directory(
                pki.write_trust_store(os.path.join(tmp, "trust")))), RevocationChecker("hard"))

            message = b"x" * 64
            raw_signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
            public = key.public_key()
            baseline = rate(lambda: public.verify(raw_signature, message, padding.PKCS1v15(),
                                                  hashes.SHA256()), args.seconds)
            verify_rate = rate(lambda: verifier.verify_envelope(signed, require_provider=False),
                               args.seconds)
            model_rate = rate(lambda: verifier.verify_envelope(
                signed, require_provider=False).model, args.seconds)
            sign_rate = rate(lambda: sign(unsigned, key, slot=UNIT_SLOT), args.seconds)
            dossier_sign_rate = rate(lambda: sign_envelope(unsigned, key), args.seconds)

    ratio = verify_rate / baseline
    print(f"envelope size            : {len(signed)} bytes signed ({len(unsigned)} unsigned)")
    print(f"raw RSA-2048 verify      : {baseline:10.0f} /s  (baseline)")
    print(f"full envelope verify     : {verify_rate:10.0f} /s  ratio {ratio:.3f} "
          f"(1/{1 / ratio:.1f}; target >= 1/{1 / TARGET_RATIO:.0f})")
    print(f"verify + typed model     : {model_rate:10.0f} /s  ratio {model_rate / baseline:.3f}")
    print(f"envelope sign (PKCS#12)  : {sign_rate:10.0f} /s  ratio {sign_rate / baseline:.3f}")
    print(f"declaration + envelope   : {dossier_sign_rate:10.0f} /s  "
          f"ratio {dossier_sign_rate / baseline:.3f}  (what a unit signs: Cky, then CKy_Dvi)")
    ok = ratio >= TARGET_RATIO
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
