"""Fast bulk writes for imports and other batch jobs: multi-row INSERTs (or COPY on
PostgreSQL) straight from values, without building model instances.

The importer (`customers.imports`) writes its batches with it; any app that writes many rows
of one model in one transaction can use it (decision 0018).
"""

import functools
from collections.abc import Callable, Iterator
from typing import Any, cast

from django.db import connection, models
from django.db.backends.utils import CursorWrapper

STATEMENT_ROWS = 256  # rows per multi-row INSERT (see _statement_sizes)

_Values = Callable[[dict[str, Any]], list[Any]]  # a row's values, in column order


class Inserter:
    """Multi-row INSERT for one model, bypassing model instances (the ORM's bulk_create spends
    most of an import's time building and preparing them). Values go in by attribute name;
    columns left out take the field's default. Returns new ids in row order when asked."""

    def __init__(self, model: type[models.Model], skip: tuple[str, ...] = ()) -> None:
        self.model = model
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.fields = [
            f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in skip
        ]
        # a concrete field always has a column (the stubs allow None for the others)
        self.columns = ", ".join(
            connection.ops.quote_name(cast(str, f.column)) for f in self.fields
        )
        self.defaults: dict[str, Any] = {}
        self.adapters: dict[str, Callable[[Any], Any]] = {}
        for f in self.fields:
            self.defaults[f.attname] = f.get_default() if f.has_default() else None
            if isinstance(f, models.JSONField):
                self.adapters[f.attname] = functools.partial(_adapt_json, f)
            elif isinstance(f, models.DateTimeField):
                self.adapters[f.attname] = connection.ops.adapt_datetimefield_value
            elif isinstance(f, models.DateField):
                self.adapters[f.attname] = connection.ops.adapt_datefield_value
        self.placeholder = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
        self.rows_per_statement = _power_of_two_at_most(
            min(STATEMENT_ROWS, _max_params() // len(self.fields))
        )

    def insert(
        self,
        rows: list[dict[str, Any]],
        returning: bool = False,
        same: dict[str, Any] | None = None,
    ) -> list[int]:
        """Insert `rows`; `same` holds values shared by every row (adapted only once).
        Returns the new ids in row order if `returning`."""
        same = same or {}
        # per column: (is_shared, value_or_name, adapter)
        plan: list[tuple[bool, Any, Callable[[Any], Any] | None]] = []
        for f in self.fields:
            name = f.attname
            adapt = self.adapters.get(name)
            if name in same:
                value = same[name]
                plan.append((True, adapt(value) if adapt and value is not None else value, None))
            else:
                plan.append((False, name, adapt))
        defaults = self.defaults

        def values(row: dict[str, Any]) -> list[Any]:
            out: list[Any] = []
            for shared, item, adapt in plan:
                if shared:
                    out.append(item)
                    continue
                value = row[item] if item in row else defaults[item]
                out.append(adapt(value) if adapt is not None and value is not None else value)
            return out

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                return self._copy(cursor, rows, values, returning)
            return self._insert(cursor, rows, values, returning)

    def _insert(
        self, cursor: CursorWrapper, rows: list[dict[str, Any]], values: _Values, returning: bool
    ) -> list[int]:
        ids: list[int] = []
        start = 0
        for size in _statement_sizes(len(rows), self.rows_per_statement):
            params = []
            for row in rows[start : start + size]:
                params.extend(values(row))
            start += size
            sql = (
                f"INSERT INTO {self.table} ({self.columns}) VALUES "
                + ", ".join([self.placeholder] * size)
                + (' RETURNING "id"' if returning else "")
            )
            cursor.execute(sql, params)
            if returning:
                ids.extend(r[0] for r in cursor.fetchall())
        return ids

    def _copy(
        self, cursor: CursorWrapper, rows: list[dict[str, Any]], values: _Values, returning: bool
    ) -> list[int]:
        """PostgreSQL: COPY, with ids taken from the table's sequence first when asked for.

        A multi-row INSERT makes psycopg rewrite a long statement on every call, which cost
        more than the database's own work.
        """
        columns = self.columns
        ids: list[int] = []
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [self.model._meta.db_table, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            columns = f'"id", {columns}'
        with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
            if returning:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row([pk, *values(row)])
            else:
                for row in rows:
                    copy.write_row(values(row))
        return ids


def _power_of_two_at_most(n: int) -> int:
    return 1 << (max(1, n).bit_length() - 1)


def _statement_sizes(rows: int, largest: int) -> Iterator[int]:
    """Rows per INSERT: full statements, then the rest in powers of two.

    Every distinct statement stays in the driver's statement cache, and a prepared multi-row
    INSERT is large; a handful of sizes keeps an import's memory flat however ragged its
    batches are.
    """
    full, rest = divmod(rows, largest)
    yield from [largest] * full
    size = largest
    while rest:
        size >>= 1
        if rest & size:
            yield size
            rest -= size


def _adapt_json(model_field: models.JSONField[Any, Any], value: Any) -> Any:
    return connection.ops.adapt_json_value(value, model_field.encoder)


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            import sqlite3

            limit: int = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            return limit
        except AttributeError:  # Python < 3.11
            return 999
    return 65535


def update_rows(model: type[models.Model], instances: list[Any], fields: list[str]) -> None:
    """Write `fields` of each instance back to its row by id: one prepared UPDATE run for all
    of them. The ORM's `bulk_update` builds a CASE per field and row, which was 90 % of the
    time of recomputing the SLA due times of 100,000 tickets."""
    if not instances:
        return
    quote = connection.ops.quote_name
    columns = [cast(models.Field[Any, Any], model._meta.get_field(name)) for name in fields]
    sets = ", ".join(f"{quote(cast(str, f.column))} = %s" for f in columns)
    pk = model._meta.pk
    assert pk is not None
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {quote(cast(str, pk.column))} = %s"
    )
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns] + [obj.pk]
        for obj in instances
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
