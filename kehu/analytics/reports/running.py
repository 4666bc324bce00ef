"""Running a report for one viewer: always over `Model.objects.visible_to(viewer)`, narrowed by
the condition compiler, grouped in SQL (values + annotate, truncations in the viewer's time
zone), at most MAX_GROUPS groups. A shared report is run per viewer, so nobody ever sees a
number made of records they may not see.

Money is converted to the company currency at the stored rates after the database summed it
per currency (as the metric catalogue does); a currency without a rate makes the value "—" with
the reason. A median needs every value and is taken in Python, the same on both databases.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import logging
import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, DateField, F, Max, Min, QuerySet, Sum
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.analytics.metrics.compute import zone_of
from kehu.analytics.metrics.money import MissingRate, convert, rates
from kehu.analytics.metrics.trunc import LocalTrunc
from kehu.analytics.reports.definition import Definition, Dimension, names_for
from kehu.core import conditions
from kehu.core.conditions import Context

log = logging.getLogger(__name__)

MAX_GROUPS = 500
#: groups read past MAX_GROUPS to add a count's or a sum's totals up (past it: asked again)
MAX_ADDED_GROUPS = 100_000
#: the most rows (a group × a currency) read of a grouping query
MAX_PART_ROWS = 200_000
CENT = decimal.Decimal("0.01")
VALUE = "report_value"
CURRENCY = "report_currency"


@dataclass(frozen=True)
class Value:
    """A number, or None with the reason there is none (shown as "—")."""

    value: decimal.Decimal | int | None
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        number = self.value
        return {
            "value": None if number is None else number if isinstance(number, int) else str(number),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Value:
        raw = data.get("value")
        number = raw if raw is None or isinstance(raw, int) else decimal.Decimal(raw)
        return cls(number, data.get("reason", ""))


@dataclass(frozen=True)
class Row:
    keys: tuple[Any, ...]
    labels: tuple[str, ...]
    value: Value


@dataclass
class Result:
    """A report's numbers for one viewer. `rows` has one row per group (one row without
    dimensions); with two dimensions, `totals` holds each dimension's own totals."""

    dimensions: list[dict[str, str]]
    measure: dict[str, str]
    rows: list[Row]
    total: Value
    truncated: bool = False
    totals: list[dict[Any, Value]] = field(default_factory=list)
    labels: list[dict[Any, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "dimensions": self.dimensions,
            "measure": self.measure,
            "rows": [
                {"keys": list(r.keys), "labels": list(r.labels), **r.value.as_json()}
                for r in self.rows
            ],
            "total": self.total.as_json(),
            "truncated": self.truncated,
            "max_groups": MAX_GROUPS,
            "totals": [
                [{"key": k, "label": self.labels[i].get(k, ""), **v.as_json()}
                 for k, v in found.items()]
                for i, found in enumerate(self.totals)
            ],
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        rows = [Row(tuple(r["keys"]), tuple(r["labels"]), Value.from_json(r)) for r in data["rows"]]
        totals = [{t["key"]: Value.from_json(t) for t in found} for found in data.get("totals", [])]
        labels = [{t["key"]: t["label"] for t in found} for found in data.get("totals", [])]
        return cls(
            data["dimensions"], data["measure"], rows, Value.from_json(data["total"]),
            bool(data.get("truncated")), totals, labels,
        )  # fmt: skip

    @property
    def currency(self) -> str:
        return self.measure.get("currency", "")


def no_records() -> Value:
    return Value(None, _("No records to measure."))


def context_for(viewer: Any, now: datetime.datetime | None = None) -> Context:
    return Context(user=viewer, now=now or timezone.now(), zone=zone_of(viewer))


def matching(definition: Definition, viewer: Any, ctx: Context | None = None) -> QuerySet[Any]:
    """The records the report reads for `viewer`: those they may see, narrowed by its
    condition ("me" is the viewer)."""
    model = conditions.record_type(definition.record_type).model
    rows = model.objects.visible_to(viewer)  # type: ignore[attr-defined]
    rows = conditions.narrow(rows, definition.record_type, definition.condition, ctx)
    return rows.order_by()


def estimate(definition: Definition, viewer: Any, limit: int) -> int:
    """How many records the report reads, counted up to `limit` + 1 only (never a full
    COUNT over millions just to decide where to run it)."""
    rows = matching(definition, viewer, context_for(viewer))
    return rows.values("pk")[: limit + 1].count()


def is_slow(definition: Definition, viewer: Any) -> bool:
    """Whether the report should run in the worker (it reads more than
    KEHU_REPORT_BACKGROUND_ROWS records)."""
    limit = settings.REPORT_BACKGROUND_ROWS
    return estimate(definition, viewer, limit) > limit


# ---------------------------------------------------------------------- SQL expressions


def _group_expression(dimension: Dimension, ctx: Context) -> Any:
    f = dimension.field
    if dimension.part:
        if f.type == "datetime":
            return LocalTrunc(f.lookup, dimension.part, tzinfo=ctx.zone)
        return Trunc(f.lookup, dimension.part, output_field=DateField())
    if f.type == "tags":
        return F("tags")  # the many-to-many: a record counts in each of its tags
    if f.expression is not None:
        return f.expression()
    return F(f.lookup)


def _key(dimension: Dimension, raw: Any, ctx: Context) -> Any:
    """A group's key as JSON: the column's value, or "2026-12-05" / "2026-W49" / "2026-12" /
    "2026-Q4" / "2026" for a part of a date (in the viewer's time zone)."""
    if raw is None or not dimension.part:
        if isinstance(raw, decimal.Decimal):
            return str(raw)
        return raw
    if isinstance(raw, datetime.datetime):
        raw = raw.astimezone(ctx.zone) if timezone.is_aware(raw) else raw
        raw = raw.date()
    part = dimension.part
    if part == "year":
        return f"{raw.year}"
    if part == "quarter":
        return f"{raw.year}-Q{(raw.month - 1) // 3 + 1}"
    if part == "month":
        return f"{raw.year}-{raw.month:02d}"
    if part == "week":
        year, week, _day = raw.isocalendar()
        return f"{year}-W{week:02d}"
    return raw.isoformat()


def _labels(dimension: Dimension, keys: Iterable[Any]) -> dict[Any, str]:
    """What each key reads as: a user's or a stage's name, a choice's label, a tag's name."""
    present = [k for k in keys if k not in (None, "")]
    f = dimension.field
    found: dict[Any, str] = {}
    if dimension.part:
        found = {k: str(k) for k in present}
    elif f.type == "tags":
        from kehu.customers.models import Tag

        found = dict(Tag.objects.filter(pk__in=present).values_list("pk", "name"))
    elif f.type == "choice" and f.choices is not None:
        found = {str(value): str(label) for value, label in f.choices()}
    else:
        names = names_for(f)
        if names is not None:
            found = {k: str(v) for k, v in names(present).items()}
    empty = _("(none)")
    return {k: (found.get(k, str(k)) if k not in (None, "") else empty) for k in keys}


# ---------------------------------------------------------------------- measuring


class _Measurer:
    """Turns the rows of one group (per currency, for money) into its value."""

    def __init__(self, definition: Definition):
        self.measure = definition.measure
        self.rate_of = rates() if self.measure.currency else {}

    def aggregates(self) -> dict[str, Any]:
        how = self.measure.how
        if how == "count":
            return {"n": Count("pk")}
        return {"s": Sum(VALUE), "n": Count(VALUE), "lo": Min(VALUE), "hi": Max(VALUE)}

    def _amount(self, raw: Any, currency: str | None) -> decimal.Decimal:
        amount = decimal.Decimal(str(raw))
        if self.measure.currency:
            amount = convert(amount, currency or "", self.rate_of)
        return amount

    def combine(self, parts: list[dict[str, Any]]) -> Value:
        how = self.measure.how
        try:
            if how == "count":
                return Value(sum(p["n"] for p in parts))
            if how == "median":
                values = [self._amount(p[VALUE], p.get(CURRENCY)) for p in parts
                          if p[VALUE] is not None]  # fmt: skip
                if not values:
                    return no_records()
                return Value(self._round(statistics.median(values)))
            counted = sum(p["n"] for p in parts)
            if how == "sum":
                total = sum(
                    (self._amount(p["s"], p.get(CURRENCY)) for p in parts if p["s"] is not None),
                    decimal.Decimal(0),
                )
                return Value(self._round(total))
            if not counted:
                return no_records()
            if how == "avg":
                total = sum(
                    (self._amount(p["s"], p.get(CURRENCY)) for p in parts if p["s"] is not None),
                    decimal.Decimal(0),
                )
                return Value(self._round(total / counted))
            side = "lo" if how == "min" else "hi"
            ends = [self._amount(p[side], p.get(CURRENCY)) for p in parts if p["n"]]
            return Value(self._round(min(ends) if how == "min" else max(ends)))
        except MissingRate as missing:
            return Value(None, missing.reason)

    @staticmethod
    def _round(number: decimal.Decimal | float) -> decimal.Decimal:
        return decimal.Decimal(str(number)).quantize(CENT, decimal.ROUND_HALF_UP)


def _measured(definition: Definition, rows: QuerySet[Any]) -> QuerySet[Any]:
    """`rows` with the measured value (and currency) annotated, leaving out records without
    a value of the field."""
    measure = definition.measure
    f = measure.field
    if f is None:
        return rows
    expression = f.expression() if f.expression is not None else F(f.lookup)
    rows = rows.annotate(**{VALUE: expression})
    if f.absent is not None:
        rows = rows.exclude(**{VALUE: f.absent})
    rows = rows.filter(**{f"{VALUE}__isnull": False})
    if measure.currency:
        rows = rows.annotate(**{CURRENCY: F(measure.currency)})
    return rows


def _parts(
    definition: Definition, rows: QuerySet[Any], dims: tuple[Dimension, ...], ctx: Context
) -> Iterator[dict[str, Any]]:
    """Value rows of (g0, g1?, currency?, aggregates | value), ordered by the groups, so the
    rows of one group come together."""
    names = [f"g{i}" for i in range(len(dims))]
    qs = _measured(definition, rows)
    if dims:
        qs = qs.annotate(**{n: _group_expression(d, ctx) for n, d in zip(names, dims, strict=True)})
    extra = [CURRENCY] if definition.measure.currency else []
    measurer = _Measurer(definition)
    if definition.measure.how == "median":
        qs = qs.values(*names, *extra, VALUE)  # every record's value, in group order
    elif not names and not extra:
        yield qs.aggregate(**measurer.aggregates())  # one row: nothing to group by
        return
    else:
        qs = qs.values(*names, *extra).annotate(**measurer.aggregates())
    with _planned_for_every_row():
        yield from qs.order_by(*names).iterator(chunk_size=2000)


@contextlib.contextmanager
def _planned_for_every_row() -> Iterator[None]:
    """On PostgreSQL, plan the streamed query for reading all its rows, which a report does.
    A server-side cursor is otherwise planned for its first tenth (`cursor_tuple_fraction`):
    for a grouping of 2M activities by owner × month, a walk of the owner index in order took
    7.7 s, hashing the rows 2.9 s (docs/benchmarks.md, issue 15). (Reading the groups as one
    plain query, which may scan in parallel, would be faster still, but a LIMIT to bound its
    memory brings the first-rows plan back.)"""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET cursor_tuple_fraction")
        except DatabaseError:  # a failed transaction: its rollback undoes the SET
            log.warning("could not reset cursor_tuple_fraction", exc_info=True)


def _grouped(
    definition: Definition,
    rows: QuerySet[Any],
    dims: tuple[Dimension, ...],
    ctx: Context,
    keep_rest: bool = False,
) -> tuple[dict[tuple[Any, ...], Value], bool, dict[tuple[Any, ...], Value] | None]:
    """Each group's value (at most MAX_GROUPS groups), whether some were left out, and, with
    `keep_rest`, the groups left out (up to MAX_ADDED_GROUPS of them; None past that): a count
    or a sum adds its totals up from them instead of asking the database again."""
    measurer = _Measurer(definition)
    found: dict[tuple[Any, ...], Value] = {}
    rest: dict[tuple[Any, ...], Value] | None = {} if keep_rest else None
    current: tuple[Any, ...] | None = None
    bucket: list[dict[str, Any]] = []
    truncated = False

    def keep(raw: tuple[Any, ...], value: Value) -> bool:
        """Keep one group; False when nothing more is to be read."""
        nonlocal truncated, rest
        key = tuple(_key(d, k, ctx) for d, k in zip(dims, raw, strict=True))
        if len(found) < MAX_GROUPS:
            found[key] = value
            return True
        truncated = True
        if rest is None or len(rest) >= MAX_ADDED_GROUPS:
            rest = None
            return False
        rest[key] = value
        return True

    capped = definition.measure.how != "median"  # a median reads one row per record
    cut = False
    for read, part in enumerate(_parts(definition, rows, dims, ctx), 1):
        if capped and read > MAX_PART_ROWS:
            cut = True
            break
        raw = tuple(part[f"g{i}"] for i in range(len(dims)))
        if raw != current:
            if current is not None and not keep(current, measurer.combine(bucket)):
                current = None
                break
            current, bucket = raw, []
        bucket.append(part)
    if cut:  # the last group read may be partial: left out, and no totals added up
        truncated, rest = True, None
    elif current is not None:
        keep(current, measurer.combine(bucket))
    return found, truncated, rest


def _total(definition: Definition, rows: QuerySet[Any], ctx: Context) -> Value:
    grouped, _cut, _rest = _grouped(definition, rows, (), ctx)
    if not grouped:
        return Value(0) if definition.measure.how == "count" else _empty(definition)
    return next(iter(grouped.values()))


def _added(definition: Definition, values: Iterable[Value]) -> Value:
    """The sum of groups' counts or sums; no value (with its reason) if one of them has none."""
    found = list(values)
    for value in found:
        if value.value is None:
            return value
    if definition.measure.how == "count":
        return Value(sum(int(v.value or 0) for v in found))
    if not found:
        return _empty(definition)
    return Value(sum((decimal.Decimal(v.value or 0) for v in found), decimal.Decimal("0.00")))


def _empty(definition: Definition) -> Value:
    if definition.measure.how == "sum":
        return Value(decimal.Decimal("0.00"))
    return no_records()


def run(
    definition: Definition,
    viewer: Any,
    *,
    now: datetime.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """The report over the records `viewer` may see; `progress` is told a percentage as the
    run goes (for runs in the worker)."""
    ctx = context_for(viewer, now)
    rows = matching(definition, viewer, ctx)
    dims = definition.dimensions
    tell = progress or (lambda _n: None)
    tell(5)
    measure = {
        "key": definition.measure.key,
        "label": definition.measure.label,
        "unit": definition.measure.unit,
        "currency": settings.DEFAULT_CURRENCY if definition.measure.currency else "",
    }
    described = [{"key": d.key, "label": d.label} for d in dims]
    if not dims:
        total = _total(definition, rows, ctx)
        tell(100)
        return Result(described, measure, [Row((), (), total)], total)
    # a count or a sum adds up over the groups (each record in exactly one group, unless
    # grouped by tags): the totals come from the groups (those past MAX_GROUPS too, read from
    # the same query), not from more scans of the rows
    addable = definition.measure.how in ("count", "sum") and all(
        d.field.type != "tags" for d in dims
    )
    grouped, truncated, rest = _grouped(definition, rows, dims, ctx, keep_rest=addable)
    tell(60)
    additive = addable and rest is not None
    every = {**grouped, **(rest or {})}
    total = _added(definition, every.values()) if additive else _total(definition, rows, ctx)
    tell(75)
    labels = [_labels(d, {k[i] for k in grouped}) for i, d in enumerate(dims)]
    result_rows = [
        Row(keys, tuple(labels[i][k] for i, k in enumerate(keys)), value)
        for keys, value in grouped.items()
    ]
    result_rows.sort(
        key=lambda r: tuple(
            _sort_key(d, k, r.labels[i]) for i, (d, k) in enumerate(zip(dims, r.keys, strict=True))
        )
    )
    totals: list[dict[Any, Value]] = []
    if len(dims) == 2:
        for i, d in enumerate(dims):
            if additive:
                parts: dict[Any, list[Value]] = {}
                for keys, value in every.items():
                    if keys[i] in labels[i]:
                        parts.setdefault(keys[i], []).append(value)
                totals.append({k: _added(definition, v) for k, v in parts.items()})
                continue
            own, _cut, _rest = _grouped(definition, rows, (d,), ctx)
            totals.append({k[0]: v for k, v in own.items() if k[0] in labels[i]})
    tell(100)
    return Result(described, measure, result_rows, total, truncated, totals, labels)


def _sort_key(dimension: Dimension, key: Any, label: str) -> tuple[Any, ...]:
    empty = key in (None, "")
    if dimension.part:
        return (empty, str(key))
    return (empty, label.casefold(), str(key))
