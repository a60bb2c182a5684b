"""Bằng chứng thu hồi: the OCSP responses and CRLs that showed a dossier's certificates
unrevoked when it was received, kept as proof.

A dossier's `revocation_evidence` is a run of entries, in the order of its signatures (the
unit's, then the provider's), each certificate's before its CA's:
- a 4-byte big-endian length, then that many bytes: an OCSP response, kept in the dossier
  (about 1.5 KB, and about one certificate only);
- `REFERENCE` (FF FF FF FF, never a length: pieces are far below 4 GiB), then 32 bytes: the
  SHA-256 of a CRL stored once in RevocationList. A CRL lists every certificate its CA revoked,
  so it can be megabytes, and it is the same file for every dossier signed under that CA until
  the CA publishes the next one — the root's CRL is in every dossier, and a CA's own CRL in
  every dossier while its OCSP responder is down.
Dossiers stored before CRLs were shared hold them inline (migration 0008 moved them out); both
forms read the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import transaction

from openivan.agency.models import Dossier, RevocationList
from openivan.core.pki.revocation import RevocationResult
from openivan.core.verification import VerifiedDocument

REFERENCE = b"\xff\xff\xff\xff"
_DIGEST_SIZE = 32
# CRLs this process has seen committed: the intake makes no statement for them. Only ever
# filled after a commit, so a rolled-back intake cannot leave a dangling reference behind;
# emptied when the tables are (forget_stored). Rows are never deleted otherwise.
_stored: set[str] = set()
STORED_DIGESTS_KEPT = 10_000


def pack(verified: VerifiedDocument, now: datetime) -> bytes:
    """The dossier's evidence field; stores the CRLs not stored yet. Call it in the dossier's
    transaction, so a CRL row exists exactly when a dossier refers to it."""
    entries, new_crls = [], {}
    # The envelope's signatures, then the attached declarations' (their `Cky`): usually the
    # same unit certificate, whose answers are then kept once.
    checks = [(False, c) for c in verified.signatures.values()]
    checks += [(True, a.signature) for a in verified.attachments if a.signature is not None]
    seen: set[bytes] = set()
    for attached, checked in checks:
        for result in checked.certificate.revocation:
            if not result.evidence or (attached and result.evidence in seen):
                continue  # soft-failed (nothing answered), or kept for the envelope already
            seen.add(result.evidence)
            if result.source != "crl":
                entries.append(len(result.evidence).to_bytes(4, "big") + result.evidence)
                continue
            digest = result.evidence_sha256
            if digest not in _stored:
                new_crls[digest] = result
            entries.append(REFERENCE + bytes.fromhex(digest))
    if new_crls:
        _store(new_crls, now)
    return b"".join(entries)


def _store(crls: dict[str, RevocationResult], now: datetime) -> None:
    # One statement, rows in digest order: two intakes storing the same new CRLs wait for each
    # other's rows in the same order, so they cannot deadlock; the unique digest makes one
    # row of two copies.
    RevocationList.objects.bulk_create([RevocationList(
        sha256=digest, der=crls[digest].evidence,
        url=crls[digest].evidence_ref.removeprefix("crl:"), stored_at=now)
        for digest in sorted(crls)], ignore_conflicts=True)
    transaction.on_commit(lambda: _committed(crls))


def _committed(digests: Iterable[str]) -> None:
    # Each CA publishes a new CRL every few hours: over years of uptime the digests add up.
    # Forgetting costs one statement per CRL, whose rows are there already.
    if len(_stored) >= STORED_DIGESTS_KEPT:
        _stored.clear()
    _stored.update(digests)


def forget_stored(**_: object) -> None:
    """After the tables were emptied or rebuilt (a signal receiver)."""
    _stored.clear()


def pieces(dossier: Dossier) -> list[bytes]:
    """The DER OCSP responses and CRLs of a dossier, in the order they were checked."""
    entries = list(_entries(bytes(dossier.revocation_evidence)))
    wanted = [value.hex() for is_reference, value in entries if is_reference]
    stored = dict(RevocationList.objects.filter(sha256__in=wanted).values_list("sha256", "der"))
    missing = set(wanted) - set(stored)
    if missing:  # never deleted: a restore that lost rows, say so rather than drop proof
        raise LookupError(f"dossier {dossier.number}: CRL {sorted(missing)} not stored")
    return [bytes(stored[value.hex()]) if is_reference else value
            for is_reference, value in entries]


def _entries(blob: bytes) -> Iterator[tuple[bool, bytes]]:
    """(True, SHA-256) for a shared CRL, (False, DER bytes) for a piece kept inline."""
    at = 0
    while at < len(blob):
        head, at = blob[at:at + 4], at + 4
        if head == REFERENCE:
            yield True, blob[at:at + _DIGEST_SIZE]
            at += _DIGEST_SIZE
        else:
            length = int.from_bytes(head, "big")
            yield False, blob[at:at + length]
            at += length
