"""Insert new rows without the ORM's per-call query compilation.

`QuerySet.create` and `bulk_create` rebuild and compile an InsertQuery on every call; on the
intake's hot path that was ~2 ms of the web process's ~8 ms per dossier
(benchmarks/bench_intake.py). `insert` prepares the values exactly as the ORM does
(`pre_save`, `get_db_prep_save`) and reuses one SQL text per model and row count.
No model signals are sent (as with `bulk_create`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from django.db import connection
from django.db.models import Field, Model
from django.db.models.fields import AutoFieldMixin


def insert(rows: Sequence[Model]) -> None:
    """Save new rows of one model in one `INSERT … RETURNING`, setting their primary keys."""
    if not rows:
        return
    model = type(rows[0])
    fields = _fields(model)
    sql = _sql(model, len(rows), connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(row, True), connection)
              for row in rows for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for row, (key,) in zip(rows, keys, strict=True):
        row.pk = key
        row._state.adding, row._state.db = False, connection.alias


@lru_cache(maxsize=64)
def _fields(model: type[Model]) -> tuple[Field, ...]:  # type: ignore[type-arg]
    if not isinstance(model._meta.pk, AutoFieldMixin):
        raise TypeError(f"{model.__name__}: insert() needs a database-assigned primary key")
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


@lru_cache(maxsize=256)
def _sql(model: type[Model], count: int, vendor: str) -> str:
    quote = connection.ops.quote_name
    fields = _fields(model)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return (f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES {', '.join([one] * count)} RETURNING {quote(model._meta.pk.column)}")
