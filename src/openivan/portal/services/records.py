"""The agency's records of insured persons (dữ liệu quản lý): CSV imports and lookups.

An import streams the file through `core.records.batches` and upserts each batch by mã số BHXH
in one transaction (the record, its name's search key, one RecordIdNumber row per ID number),
then writes the import's counters: a long import shows its progress batch by batch and a
crash loses at most the batch in hand (importing again is harmless: rows already there and
unchanged are neither written nor counted as updated). Refused rows are counted and the first
`MAX_PROBLEMS` kept with line, column, code and message.

Every lookup is by an index (10 million records): the BHXH number (unique), the name's search
key (prefix, `varchar_pattern_ops` on PostgreSQL), an ID number (RecordIdNumber.number).

Uploads from the desk console wait as a pending RecordImport holding the file; the sweep
`portal.records_import` (portal/background.py) takes the oldest, one worker at a time."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from openivan.core.errors import OpenIvanError
from openivan.core.identifiers import search_key
from openivan.core.records import Record, RowProblem, batches
from openivan.platform.services import audit
from openivan.portal.models import InsuredRecord, JobStatus, RecordIdNumber, RecordImport
from openivan.portal.states import JOB

log = logging.getLogger(__name__)

BATCH = 5000  # rows per transaction: ~0.2-0.5 s each, so progress moves every second or so
MAX_PROBLEMS = 5000  # refused rows kept for the report (all are counted)
STALE = timedelta(minutes=10)  # a running import without a heartbeat this long: worker died
_FIELDS = ("full_name", "name_key", "birth_date", "birth_year", "sex", "id_numbers",
           "updated_at")

Progress = Callable[[RecordImport], None]


# ---------------------------------------------------------------- lookups

def to_record(row: InsuredRecord) -> Record:
    """The model row as core.records knows it (what `match_record` compares with)."""
    return Record(row.bhxh_number, row.full_name, row.birth_date, row.birth_year,
                  row.sex or None, tuple(i for i in row.id_numbers.split(";") if i))


def find(bhxh_number: str) -> InsuredRecord | None:
    return InsuredRecord.objects.filter(bhxh_number=bhxh_number).first()


def lookup(bhxh_number: str) -> Record | None:
    """For `core.records.find_and_match`: the record of a BHXH number, or None."""
    row = find(bhxh_number)
    return to_record(row) if row else None


def by_id_number(number: str, limit: int = 20) -> list[InsuredRecord]:
    number = number.replace(" ", "").upper()
    # Two index lookups: a join ordered by bhxh_number with a LIMIT made PostgreSQL walk the
    # records in bhxh_number order probing each (74 ms at 100 000 records, growing).
    keys = list(RecordIdNumber.objects.filter(number=number).values_list(
        "record_id", flat=True)[:limit])
    return sorted(InsuredRecord.objects.filter(pk__in=keys), key=lambda r: r.bhxh_number)


def by_name(text: str, limit: int = 50) -> list[InsuredRecord]:
    """Records whose name starts with `text`, accents or not ("nguyen van a" finds
    "Nguyễn Văn An"): a prefix of the indexed search key."""
    key = search_key(text)
    if not key:
        return []
    return list(InsuredRecord.objects.filter(name_key__startswith=key)
                .order_by("name_key", "bhxh_number")[:limit])


# ---------------------------------------------------------------- writing

def upsert(records: list[Record], now: datetime) -> tuple[int, int]:
    """Create or update `records` (the later of two rows of one number wins); rows equal to
    what is stored are left alone. Inside the caller's transaction. (created, updated)."""
    latest = {r.bhxh_number: r for r in records}
    if connection.vendor == "postgresql":
        return _upsert_postgresql(latest, now)
    return _upsert_orm(latest, now)


# PostgreSQL: the batch is COPied into a temporary table, then one statement upserts the
# records (rows equal to what is stored are not written), replaces the ID numbers of the rows
# it wrote and counts. ~8x the ORM's bulk_create with update_conflicts on this machine (that
# was ~1 200 rows/s: building 40 000 parameters per batch cost more than the database).
_BATCH_TABLE = """
CREATE TEMPORARY TABLE IF NOT EXISTS portal_record_batch (
    bhxh_number varchar(10), full_name varchar(100), name_key varchar(100), birth_date date,
    birth_year smallint, sex varchar(3), id_numbers varchar(200)) ON COMMIT DELETE ROWS"""
_UPSERT = """
WITH up AS (
    INSERT INTO portal_insuredrecord AS r (bhxh_number, full_name, name_key, birth_date,
        birth_year, sex, id_numbers, updated_at)
    SELECT bhxh_number, full_name, name_key, birth_date, birth_year, sex, id_numbers, %s
    FROM portal_record_batch
    ON CONFLICT (bhxh_number) DO UPDATE SET full_name = EXCLUDED.full_name,
        name_key = EXCLUDED.name_key, birth_date = EXCLUDED.birth_date,
        birth_year = EXCLUDED.birth_year, sex = EXCLUDED.sex,
        id_numbers = EXCLUDED.id_numbers, updated_at = EXCLUDED.updated_at
    WHERE (r.full_name, r.birth_date, r.birth_year, r.sex, r.id_numbers) IS DISTINCT FROM
        (EXCLUDED.full_name, EXCLUDED.birth_date, EXCLUDED.birth_year, EXCLUDED.sex,
         EXCLUDED.id_numbers)
    RETURNING r.id, r.id_numbers, (r.xmax = 0) AS created
), gone AS (
    DELETE FROM portal_recordidnumber n USING up
    WHERE n.record_id = up.id AND NOT (n.number = ANY (string_to_array(up.id_numbers, ';')))
), added AS (
    INSERT INTO portal_recordidnumber (record_id, number)
    SELECT up.id, x FROM up, unnest(string_to_array(up.id_numbers, ';')) AS x WHERE x <> ''
    ON CONFLICT DO NOTHING
)
SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM up"""


def _upsert_postgresql(latest: dict[str, Record], now: datetime) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(_BATCH_TABLE)
        with cursor.cursor.copy("COPY portal_record_batch FROM STDIN") as copy:
            for r in latest.values():
                copy.write_row((r.bhxh_number, r.full_name, search_key(r.full_name),
                                r.birth_date, r.birth_year, r.sex or "", ";".join(r.id_numbers)))
        cursor.execute(_UPSERT, [now])
        created, updated = cursor.fetchone()
        cursor.execute("TRUNCATE portal_record_batch")  # a second batch in one transaction
    return int(created), int(updated)


def _upsert_orm(latest: dict[str, Record], now: datetime) -> tuple[int, int]:
    stored = {row[0]: row[1:] for row in InsuredRecord.objects.filter(
        bhxh_number__in=list(latest)).values_list(
        "bhxh_number", "pk", "full_name", "birth_date", "birth_year", "sex", "id_numbers")}
    new: list[InsuredRecord] = []
    changed: list[InsuredRecord] = []
    ids_changed: list[int] = []
    for number, r in latest.items():
        ids = ";".join(r.id_numbers)
        values = (r.full_name, r.birth_date, r.birth_year, r.sex or "", ids)
        old = stored.get(number)
        if old is not None and tuple(old[1:]) == values:
            continue
        row = InsuredRecord(bhxh_number=number, full_name=r.full_name,
                            name_key=search_key(r.full_name), birth_date=r.birth_date,
                            birth_year=r.birth_year, sex=r.sex or "", id_numbers=ids,
                            updated_at=now)
        if old is None:
            new.append(row)
        else:
            row.pk = old[0]
            changed.append(row)
            if old[5] != ids:
                ids_changed.append(old[0])
    # An upsert for the new rows too: two imports racing on one number both succeed.
    for rows in (new, changed):
        if rows:
            InsuredRecord.objects.bulk_create(rows, update_conflicts=True,
                                              unique_fields=["bhxh_number"],
                                              update_fields=list(_FIELDS))
    if ids_changed:
        RecordIdNumber.objects.filter(record_id__in=ids_changed).delete()
    pks = {r.bhxh_number: r.pk for r in new if r.pk is not None}
    if len(pks) < len(new):  # a backend that does not return the keys of an upsert
        pks = dict(InsuredRecord.objects.filter(
            bhxh_number__in=[r.bhxh_number for r in new]).values_list("bhxh_number", "pk"))
    id_rows = [RecordIdNumber(record_id=pks[r.bhxh_number], number=n)
               for r in new for n in latest[r.bhxh_number].id_numbers]
    id_rows += [RecordIdNumber(record_id=r.pk, number=n)
                for r in changed if r.pk in set(ids_changed)
                for n in latest[r.bhxh_number].id_numbers]
    if id_rows:
        RecordIdNumber.objects.bulk_create(id_rows, ignore_conflicts=True)
    return len(new), len(changed)


def _problem(p: RowProblem) -> dict[str, Any]:
    return {"line": p.line, "column": p.column, "code": p.code, "message": p.message}


def run(record_import: RecordImport, lines: Iterable[str], *, batch_size: int = BATCH,
        progress: Progress | None = None) -> RecordImport:
    """Import `lines` (the CSV's text) into the records, counting into `record_import`
    (saved after every batch, with its heartbeat). A file refused as a whole (no header,
    not UTF-8) raises; what earlier batches wrote stays (importing again is harmless)."""
    imp = record_import
    for batch in batches(lines, size=batch_size):
        now = timezone.now()
        with transaction.atomic():
            created, updated = upsert(batch.records, now)
            imp.rows_read += len(batch.records) + len(batch.problems)
            imp.rows_imported += len(batch.records)
            imp.rows_created += created
            imp.rows_updated += updated
            imp.rows_refused += len(batch.problems)
            room = MAX_PROBLEMS - len(imp.problems)
            new_problems = [_problem(p) for p in batch.problems[:max(room, 0)]]
            imp.problems = imp.problems + new_problems
            imp.heartbeat_at = now
            fields = ["rows_read", "rows_imported", "rows_created", "rows_updated",
                      "rows_refused", "heartbeat_at"] + (["problems"] if new_problems else [])
            imp.save(update_fields=fields)
        if progress:
            progress(imp)
    return imp


def _lines(stream: io.BufferedIOBase | io.BytesIO, file_name: str) -> Iterator[str]:
    """The file's text lines (UTF-8, a BOM allowed); RECORDS_FILE_ENCODING at the first
    line that is not UTF-8."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    line = 0
    try:
        for line, chunk in enumerate(text, 1):  # noqa: B007  (line is read in the handler)
            yield chunk
    except UnicodeDecodeError:
        raise OpenIvanError("RECORDS_FILE_ENCODING", file=file_name, line=line + 1) from None


def _count_lines(stream: io.BufferedIOBase | io.BytesIO) -> int:
    """Data rows in a file (lines less the header): the progress's denominator, ~1 s per
    GB."""
    total = 0
    while chunk := stream.read(1 << 20):
        total += chunk.count(b"\n")
    stream.seek(0)
    return max(total - 1, 0)


def _finish(imp: RecordImport, actor: audit.Actor, error: OpenIvanError | None) -> None:
    target = JobStatus.FAILED if error else JobStatus.DONE
    JOB.check(imp.status, target)
    with transaction.atomic():
        imp.status, imp.finished_at, imp.data = target, timezone.now(), None
        imp.error = f"{error.code}: {error.message_vi}"[:200] if error else ""
        imp.save(update_fields=["status", "finished_at", "data", "error"])
        audit.record(actor, "portal.records.import_failed" if error else
                     "portal.records.imported", f"import:{imp.pk}", file=imp.file_name,
                     rows_read=imp.rows_read, rows_imported=imp.rows_imported,
                     rows_created=imp.rows_created, rows_updated=imp.rows_updated,
                     rows_refused=imp.rows_refused, error=error.code if error else "")


def import_file(path: str | Path, actor: audit.Actor, *, batch_size: int = BATCH,
                progress: Progress | None = None) -> RecordImport:
    """`openivan manage import_records FILE.csv`: imported now, in this process."""
    path = Path(path)
    now = timezone.now()
    with path.open("rb") as stream:
        imp = RecordImport.objects.create(
            file_name=path.name[:300], started_at=now, by=audit.actor_label(actor),
            status=JobStatus.RUNNING, heartbeat_at=now, rows_total=_count_lines(stream))
        try:
            run(imp, _lines(stream, path.name), batch_size=batch_size, progress=progress)
        except OpenIvanError as exc:
            _finish(imp, actor, exc)
            raise
    _finish(imp, actor, None)
    return imp


def upload_limit_mb() -> int:
    return int(settings.OPENIVAN_PORTAL_RECORDS_UPLOAD_MB)


def queue_upload(file_name: str, data: bytes, by: Any) -> RecordImport:
    """An upload from the desk console: kept, to be imported by a worker (the page follows
    its progress). The file is checked for size and encoding now: the officer learns at once."""
    limit = upload_limit_mb()
    if not data:
        raise OpenIvanError("RECORDS_FILE_MISSING")
    if len(data) > limit * 1024 * 1024:
        raise OpenIvanError("RECORDS_FILE_TOO_LARGE", file=file_name, limit_mb=limit)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OpenIvanError("RECORDS_FILE_ENCODING", file=file_name,
                            line=data.count(b"\n", 0, exc.start) + 1) from None
    now = timezone.now()
    with transaction.atomic():
        imp = RecordImport.objects.create(
            file_name=file_name[:300], started_at=now, by=audit.actor_label(by),
            status=JobStatus.PENDING, data=data,
            rows_total=max(data.count(b"\n") - (0 if data.endswith(b"\n") else -1) - 1, 0))
        audit.record(by, "portal.records.uploaded", f"import:{imp.pk}", file=imp.file_name,
                     size=len(data))
    return imp


def run_pending_imports(now: datetime | None = None) -> int:
    """Sweep: imports whose worker died are taken again; then the oldest pending upload is
    imported here (the others wait for the next sweep, or another worker). How many ran."""
    now = now or timezone.now()
    JOB.check(JobStatus.RUNNING, JobStatus.PENDING)
    RecordImport.objects.filter(status=JobStatus.RUNNING, data__isnull=False,
                                heartbeat_at__lt=now - STALE).update(status=JobStatus.PENDING)
    candidate = (RecordImport.objects.filter(status=JobStatus.PENDING)
                 .order_by("started_at", "pk").values_list("pk", flat=True).first())
    if candidate is None:
        return 0
    JOB.check(JobStatus.PENDING, JobStatus.RUNNING)
    # The conditional UPDATE decides which worker has it (no row lock needed).
    if not RecordImport.objects.filter(pk=candidate, status=JobStatus.PENDING).update(
            status=JobStatus.RUNNING, heartbeat_at=now, rows_read=0, rows_imported=0,
            rows_created=0, rows_updated=0, rows_refused=0, problems=[]):
        return 0
    imp = RecordImport.objects.get(pk=candidate)
    try:
        run(imp, _lines(io.BytesIO(bytes(imp.data or b"")), imp.file_name))
    except OpenIvanError as exc:
        _finish(imp, imp.by or None, exc)
        return 1
    except Exception as exc:  # a bug or a database error: the import ends, said
        # so on its page, instead of being taken again from scratch every 10 minutes for ever.
        log.exception("records import %s failed", imp.pk)
        _finish(imp, imp.by or None, OpenIvanError(
            "RECORDS_IMPORT_FAILED", file=imp.file_name, error=type(exc).__name__))
        return 1
    _finish(imp, imp.by or None, None)
    return 1


def progress_percent(imp: RecordImport) -> int | None:
    if imp.status == JobStatus.DONE:
        return 100
    if not imp.rows_total:
        return None
    return min(99, imp.rows_read * 100 // imp.rows_total)
