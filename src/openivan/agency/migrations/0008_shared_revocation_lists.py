"""CRLs are stored once (RevocationList) and dossiers refer to them by SHA-256: a CRL can be
megabytes and is the same file for every dossier signed under its CA. The dossiers stored
before give their CRLs to the new table; going back puts them inline again.

The evidence format is spelled out here rather than imported, so this migration keeps
working whatever services/evidence.py becomes.
"""

import hashlib

from cryptography import x509
from django.db import migrations, models

REFERENCE = b"\xff\xff\xff\xff"
SLOTS = ("CKy_Dvi", "CKy_IVAN")  # the order the intake checked them: unit, then provider
BATCH = 500


def _entries(blob):  # type: ignore[no-untyped-def]
    at = 0
    while at < len(blob):
        head, at = blob[at:at + 4], at + 4
        if head == REFERENCE:
            yield True, blob[at:at + 32]
            at += 32
        else:
            length = int.from_bytes(head, "big")
            yield False, blob[at:at + length]
            at += length


def _is_crl(piece):  # type: ignore[no-untyped-def]
    try:
        (x509.load_pem_x509_crl if piece.startswith(b"-----") else x509.load_der_x509_crl)(piece)
    except ValueError:
        return False
    return True


def _refs(verification):  # type: ignore[no-untyped-def]
    """The evidence refs in the order the pieces were written (those with evidence)."""
    slots = sorted(verification, key=lambda s: SLOTS.index(s) if s in SLOTS else len(SLOTS))
    return [entry.get("ref", "") for slot in slots
            for entry in verification[slot].get("revocation", [])
            if entry.get("source") in ("ocsp", "crl")]


def _in_batches(dossiers, change):  # type: ignore[no-untyped-def]
    batch = []
    for dossier in dossiers.only("id", "revocation_evidence", "verification", "received_at"
                                 ).order_by("id").iterator(chunk_size=BATCH):
        if change(dossier):
            batch.append(dossier)
        if len(batch) == BATCH:
            dossiers.bulk_update(batch, ["revocation_evidence"])
            batch = []
    dossiers.bulk_update(batch, ["revocation_evidence"])


def share_crls(apps, schema_editor):  # type: ignore[no-untyped-def]
    lists = apps.get_model("agency", "RevocationList")
    dossiers = apps.get_model("agency", "Dossier").objects
    known = set(lists.objects.values_list("sha256", flat=True))

    def change(dossier):  # type: ignore[no-untyped-def]
        entries = list(_entries(bytes(dossier.revocation_evidence)))
        refs = _refs(dossier.verification)
        refs = refs if len(refs) == len(entries) else [""] * len(entries)
        out, changed = [], False
        for (is_reference, value), ref in zip(entries, refs, strict=True):
            if is_reference or not _is_crl(value):
                out.append(REFERENCE + value if is_reference
                           else len(value).to_bytes(4, "big") + value)
                continue
            digest = hashlib.sha256(value).hexdigest()
            if digest not in known:
                lists.objects.create(sha256=digest, der=value, stored_at=dossier.received_at,
                                     url=ref.removeprefix("crl:"))
                known.add(digest)
            out.append(REFERENCE + bytes.fromhex(digest))
            changed = True
        dossier.revocation_evidence = b"".join(out)
        return changed

    _in_batches(dossiers, change)


def inline_crls(apps, schema_editor):  # type: ignore[no-untyped-def]
    stored = dict(apps.get_model("agency", "RevocationList").objects.values_list("sha256", "der"))

    def change(dossier):  # type: ignore[no-untyped-def]
        entries = list(_entries(bytes(dossier.revocation_evidence)))
        pieces = [bytes(stored[value.hex()]) if is_reference else value
                  for is_reference, value in entries]
        dossier.revocation_evidence = b"".join(len(p).to_bytes(4, "big") + p for p in pieces)
        return any(is_reference for is_reference, _ in entries)

    _in_batches(apps.get_model("agency", "Dossier").objects, change)


class Migration(migrations.Migration):

    dependencies = [
        ('agency', '0007_previous_api_key'),
    ]

    operations = [
        migrations.CreateModel(
            name='RevocationList',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sha256', models.CharField(max_length=64, unique=True)),
                ('der', models.BinaryField()),
                ('url', models.CharField(blank=True, max_length=500)),
                ('stored_at', models.DateTimeField()),
            ],
        ),
        migrations.RunPython(share_crls, inline_crls),
    ]
