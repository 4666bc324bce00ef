"""Keyset pagination as a row-value comparison: `(sort_key, id) > (%s, %s)`.

Never OFFSET and never an uncapped COUNT: both slow down with the size of the table.
A cursor is an opaque, URL-safe string holding the last row's sort value and id.
"""

import base64
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, QuerySet

MAX_LIMIT = 200
COUNT_CAP = 10_000


class BadCursor(ValueError):
    pass


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(value, pk: int) -> str:
    raw = json.dumps([value, pk], default=str, ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[object, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return value, int(pk)
    except (ValueError, TypeError) as exc:
        raise BadCursor("invalid cursor") from exc


def paginate(qs: QuerySet, sort: str, cursor: str | None, limit: int) -> Page:
    """One page of `qs` ordered by `sort` (a column, '-' for descending) then id.

    `sort` must name a NOT NULL column so the row-value comparison is total.
    """
    descending = sort.startswith("-")
    column_name = sort.lstrip("-")
    field = qs.model._meta.get_field(column_name)
    column = field.column
    table = qs.model._meta.db_table
    order = [F(column_name).desc(), F("id").desc()] if descending else [F(column_name), F("id")]
    qs = qs.order_by(*order)
    if cursor:
        value, pk = decode_cursor(cursor)
        if value is not None and not isinstance(value, str | int | float):
            raise BadCursor("invalid cursor")
        try:
            value = field.get_db_prep_value(field.to_python(value), connection)
        except ValidationError as exc:
            raise BadCursor("invalid cursor") from exc
        op = "<" if descending else ">"
        # column names come from the model, values are parameters
        row_value = f'("{table}"."{column}", "{table}"."id") {op} (%s, %s)'
        qs = qs.extra(where=[row_value], params=[value, pk])  # noqa: S610
    limit = max(1, min(int(limit or 50), MAX_LIMIT))
    rows = list(qs[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, column_name), last.pk)
    return Page(rows, next_cursor)


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counting at most `cap` (shown as "10,000+")."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap
