"""Keyset pagination as a row-value comparison: `(sort_key, id) > (%s, %s)`.

Never OFFSET and never an uncapped COUNT: both slow down with the size of the table.
A cursor is an opaque, URL-safe string holding the last row's sort value and id.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models
from django.db.models import Expression, F, FloatField, QuerySet

from kehu.core.sort_keys import sort_column

MAX_LIMIT = 200
COUNT_CAP = 10_000


class BadCursor(ValueError):
    pass


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def encode_cursor(value: Any, pk: int) -> str:
    raw = json.dumps([value, pk], default=str, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[object, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        pk = int(pk)
    except (ValueError, TypeError) as exc:
        raise BadCursor("invalid cursor") from exc
    if not 0 <= pk < 2**63:  # no row has such an id; the database would refuse the number
        raise BadCursor("invalid cursor")
    return value, pk


def sort_expression(model: type[models.Model], name: str) -> Expression | None:
    """An extra sort key that is an expression rather than a column (custom fields).

    Resolved lazily from the app that owns it, so this module stays free of app imports.
    """
    from kehu.customers.queries import custom_sort_expression

    return custom_sort_expression(model, name)


def paginate(qs: QuerySet[Any], sort: str, cursor: str | None, limit: int) -> Page:
    """One page of `qs` ordered by `sort` (a column, '-' for descending) then id.

    `sort` names a NOT NULL column, or an expression that is never NULL (e.g. `cf_<key>` for
    a custom field), so the row-value comparison is total and can use a `(key, id)` index.
    `name` reads the model's stored sort key where it has one (pinyin order, decision 0023).
    """
    descending = sort.startswith("-")
    column_name = sort_column(qs.model, sort.lstrip("-"))
    try:
        field = qs.model._meta.get_field(column_name)
    except FieldDoesNotExist:
        expression = sort_expression(qs.model, column_name)
        if expression is None:
            raise
        return _paginate_expression(qs, expression, descending, cursor, limit)
    column = field.column
    table = qs.model._meta.db_table
    order = [F(column_name).desc(), F("id").desc()] if descending else [F(column_name), F("id")]
    qs = qs.order_by(*order)
    if cursor:
        value, pk = decode_cursor(cursor)
        if value is not None and not isinstance(value, str | int | float):
            raise BadCursor("invalid cursor")
        try:
            value = field.get_db_prep_value(field.to_python(value), connections[qs.db])
        except ValidationError as exc:
            raise BadCursor("invalid cursor") from exc
        op = "<" if descending else ">"
        # column names come from the model, values are parameters
        row_value = f'("{table}"."{column}", "{table}"."id") {op} (%s, %s)'
        qs = qs.extra(where=[row_value], params=[value, pk])  # noqa: S610
    return _page(qs, limit, lambda row: getattr(row, column_name))


SORT_KEY = "_sort_key"


def _paginate_expression(
    qs: QuerySet[Any], expression: Expression, descending: bool, cursor: str | None, limit: int
) -> Page:
    """Keyset over `(expression, id)`: the expression's own SQL goes into the row value, so the
    planner can match it against an index on the same expression."""
    qs = qs.annotate(**{SORT_KEY: expression})
    key = F(SORT_KEY)
    qs = qs.order_by(*([key.desc(), F("id").desc()] if descending else [key, F("id")]))
    if cursor:
        value, pk = decode_cursor(cursor)
        numeric = isinstance(expression.output_field, FloatField)
        if isinstance(value, bool) or not isinstance(value, (int | float) if numeric else str):
            raise BadCursor("invalid cursor")
        connection = connections[qs.db]
        compiler = qs.query.get_compiler(connection=connection)
        sql, params = compiler.compile(qs.query.annotations[SORT_KEY])
        id_column = f'"{qs.model._meta.db_table}"."id"'
        op = "<" if descending else ">"
        if connection.vendor == "sqlite":
            return _page_in_two_seeks(qs, sql, params, id_column, op, value, pk, limit)
        # the plain bound repeats the leading column so every planner sees an index range
        bound = f"{sql} {op}= %s"
        row_value = f"({sql}, {id_column}) {op} (%s, %s)"
        qs = qs.extra(  # noqa: S610
            where=[bound, row_value], params=[*params, value, *params, value, pk]
        )
    return _page(qs, limit, lambda row: getattr(row, SORT_KEY))


def _page_in_two_seeks(
    qs: QuerySet[Any],
    sql: Any,
    params: Any,
    id_column: Any,
    op: Any,
    value: Any,
    pk: int,
    limit: int,
) -> Page:
    """SQLite seeks an expression index on the expression alone, not on a row value over it:
    a long run of equal values (e.g. most records lacking the field) would be scanned from its
    start on every page. Two seeks instead: the rest of the current value's run by id, then
    the values after it; both are index ranges, and together they are the next page."""
    limit = max(1, min(int(limit or 50), MAX_LIMIT))
    same = qs.extra(  # noqa: S610
        where=[f"{sql} = %s", f"{id_column} {op} %s"], params=[*params, value, pk]
    ).order_by("-id" if op == "<" else "id")  # the key is fixed here; id alone walks the index
    rows = list(same[: limit + 1])
    if len(rows) <= limit:
        after = qs.extra(where=[f"{sql} {op} %s"], params=[*params, value])  # noqa: S610
        rows += list(after[: limit + 1 - len(rows)])
    return _cut(rows, limit, lambda row: getattr(row, SORT_KEY))


def _page(qs: QuerySet[Any], limit: int, sort_value: Any) -> Page:
    limit = max(1, min(int(limit or 50), MAX_LIMIT))
    return _cut(list(qs[: limit + 1]), limit, sort_value)


def _cut(rows: list[Any], limit: int, sort_value: Any) -> Page:
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(sort_value(last), last.pk)
    return Page(rows, next_cursor)


def capped_count(qs: QuerySet[Any], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counting at most `cap` (shown as "10,000+")."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap
