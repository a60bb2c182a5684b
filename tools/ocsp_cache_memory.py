"""Memory a web process keeps for OCSP answers, after it has checked many certificates.

    .venv/bin/python tools/ocsp_cache_memory.py [--certificates 100000]

Asks the demo CA's responder once for a real answer, then files one copy of it per
certificate (as answers for distinct certificates are: each its own bytes) into a checker
bounded as the platform's default (`OPENIVAN_OCSP_CACHE_ENTRIES`) and into one bounded by the
count itself, as the checker was before it had a bound. Prints the memory each holds
(tracemalloc), and the answer's size.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import tempfile
import tracemalloc

from openivan.core.pki import RevocationChecker
from openivan.devpki import DevPKI

DEFAULT_BOUND = 20_000  # settings.OPENIVAN_OCSP_CACHE_ENTRIES


def held(checker: RevocationChecker, answer, issuer, certificates: int) -> int:  # type: ignore[no-untyped-def]
    gc.collect()
    tracemalloc.start()
    for serial in range(certificates):
        copy = dataclasses.replace(answer, evidence=bytes(bytearray(answer.evidence)))
        checker._remember((issuer, 10**20 + serial), copy)
    gc.collect()
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--certificates", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        pki = DevPKI.create(directory)
        with pki.serve():
            issuer = pki.chain("unit")[0]
            answer = RevocationChecker().check(pki.certificate("unit"), issuer)
    assert answer.evidence is not None
    n = args.certificates
    bounded = held(RevocationChecker(), answer, issuer, n)
    unbounded = held(RevocationChecker(max_ocsp_answers=n), answer, issuer, n)
    print(f"one OCSP answer:                    {len(answer.evidence)} bytes (DER)")
    print(f"after {n} certificates, unbounded:  {unbounded / 2**20:7.1f} MiB "
          f"({unbounded / n:.0f} bytes per certificate)")
    print(f"after {n} certificates, bound {DEFAULT_BOUND}: {bounded / 2**20:7.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
