"""Insert and look up rows without the ORM's per-call query compilation.

`QuerySet.create`, `bulk_create` and `filter(...).first()` rebuild and compile a query on
every call; on the intake's hot path that was about a third of the web process's CPU per
dossier (a profile of the intake). These reuse one SQL text per model and shape, and convert values
exactly as the ORM does (`pre_save`, `get_db_prep_save`, the backend's and the field's
converters). No model signals are sent (as with `bulk_create`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from django.db import connection
from django.db.models import Field, Model
from django.db.models.fields import AutoFieldMixin

M = TypeVar("M", bound=Model)


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


def find(model: type[M], **equals: Any) -> M | None:
    """The first row (by primary key) whose columns equal these values, or None."""
    names = tuple(sorted(equals))
    sql, fields, converters = _select(model, names, connection.vendor)
    params = [fields[name].get_db_prep_value(equals[name], connection) for name in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    return model.from_db(connection.alias, None, _converted(found, converters))


def _converted(row: Sequence[Any], converters: list[tuple[Any, list[Callable[..., Any]]]],
               ) -> list[Any]:
    values = []
    for value, (column, functions) in zip(row, converters, strict=True):
        for convert in functions:
            value = convert(value, column, connection)
        values.append(value)
    return values


@lru_cache(maxsize=64)
def _select(model: type[Model], names: tuple[str, ...], vendor: str) -> tuple[
        str, dict[str, Field], list[tuple[Any, list[Callable[..., Any]]]]]:  # type: ignore[type-arg]
    quote, meta = connection.ops.quote_name, model._meta
    fields = {name: meta.get_field(name) for name in names}
    columns = [f.get_col(meta.db_table) for f in meta.concrete_fields]
    converters = [(column, connection.ops.get_db_converters(column)
                   + column.field.get_db_converters(connection)) for column in columns]
    where = " AND ".join(f"{quote(fields[name].column)} = %s" for name in names)
    sql = (f"SELECT {', '.join(quote(f.column) for f in meta.concrete_fields)} "
           f"FROM {quote(meta.db_table)} WHERE {where} ORDER BY {quote(meta.pk.column)} LIMIT 1")
    return sql, fields, converters  # type: ignore[return-value]


def find_with_parent(model: type[M], parent: str, parent_fields: tuple[str, ...],
                     **parent_equals: Any) -> list[M]:
    """Every row of `model` whose `parent` (a foreign key) row has these values, by primary
    key, each with that row attached (its `parent_fields` and key read, the rest deferred):
    one statement where the ORM's `select_related` compiles a query on every call."""
    names = tuple(sorted(parent_equals))
    sql, fields, converters, parent_model, attnames = _joined(
        model, parent, parent_fields, names, connection.vendor)
    params = [fields[name].get_db_prep_value(parent_equals[name], connection) for name in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    width = len(model._meta.concrete_fields)
    rows = []
    for row in found:
        values = _converted(row, converters)
        child = model.from_db(connection.alias, None, values[:width])
        setattr(child, parent, parent_model.from_db(connection.alias, attnames, values[width:]))
        rows.append(child)
    return rows


@lru_cache(maxsize=16)
def _joined(model: type[Model], parent: str, parent_fields: tuple[str, ...],
            names: tuple[str, ...], vendor: str) -> tuple[
        str, dict[str, Field], list[tuple[Any, list[Callable[..., Any]]]],  # type: ignore[type-arg]
        type[Model], list[str]]:
    quote, meta = connection.ops.quote_name, model._meta
    link = meta.get_field(parent)
    parent_model = link.related_model
    assert isinstance(parent_model, type) and issubclass(parent_model, Model)
    parent_meta = parent_model._meta
    wanted = {parent_meta.pk} | {parent_meta.get_field(name) for name in parent_fields}
    read = [f for f in parent_meta.concrete_fields if f in wanted]  # from_db's order
    columns = ([f.get_col(meta.db_table) for f in meta.concrete_fields]
               + [f.get_col(parent_meta.db_table) for f in read])
    converters = [(column, connection.ops.get_db_converters(column)
                   + column.field.get_db_converters(connection)) for column in columns]
    fields = {name: parent_meta.get_field(name) for name in names}
    child, parent_table = quote(meta.db_table), quote(parent_meta.db_table)
    where = " AND ".join(f"{parent_table}.{quote(fields[name].column)} = %s" for name in names)
    select = ", ".join(f"{quote(column.alias)}.{quote(column.target.column)}"
                       for column in columns)
    sql = (f"SELECT {select} FROM {child} JOIN {parent_table} ON {child}."
           f"{quote(link.column)} = {parent_table}.{quote(parent_meta.pk.column)} "
           f"WHERE {where} ORDER BY {child}.{quote(meta.pk.column)}")
    return sql, fields, converters, parent_model, [f.attname for f in read]  # type: ignore[return-value]
