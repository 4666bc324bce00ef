"""How a metric turns its records into a number: count, sum / average / median / min / max of a
field (money converted to the company currency), a duration between two dates, distinct
customers (active or new), or a formula of other metrics.

Each measure gets the records the user may see, already narrowed by the metric's condition
(never by the period: a count of first orders must look before it), and the `Job` saying the
period and the grouping. It answers an `Outcome`: the total and, when grouped, each group's
number. Sums and counts are grouped in SQL; a grouped median needs every value and is taken in
Python (the same on SQLite and PostgreSQL), an ungrouped duration's median is the middle row of
a sorted query; rollups can replace either later without callers knowing.
"""

from __future__ import annotations

import datetime
import decimal
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count as CountRows
from django.db.models import DurationField, ExpressionWrapper, F, Max, Min, QuerySet, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kehu.analytics.metrics.money import MissingRate, convert, rates
from kehu.analytics.metrics.periods import Period

if TYPE_CHECKING:
    from kehu.analytics.metrics.compute import Job

AGGREGATES = ("sum", "avg", "median", "min", "max")
GROUP = "metric_group"  # the annotation a grouped query groups by


@dataclass(frozen=True)
class Number:
    """A metric's value, or None with the reason it has none (shown as "—")."""

    value: decimal.Decimal | int | None
    reason: str = ""


@dataclass
class Outcome:
    total: Number
    groups: dict[Any, Number] | None = None


def no_records() -> Number:
    return Number(None, _("No records in this period."))


class Measure:
    """What every measure offers the engine."""

    def reads(self) -> tuple[str, ...]:
        """The metrics this one is computed from (a formula's inputs)."""
        return ()

    def empty(self) -> Number:
        """The value over no records: 0 for counts and sums, none for an average."""
        return no_records()

    def compute(self, rows: QuerySet[Any], job: Job) -> Outcome:
        raise NotImplementedError


def _by_group(job: Job, qs: QuerySet[Any], *names: str) -> QuerySet[Any]:
    """`qs` as value rows of (group key?, *names), grouped by the job's dimension if any."""
    if job.dimension is None:
        return qs.values(*names) if names else qs
    return qs.annotate(**{GROUP: job.group_expression()}).values(GROUP, *names)


@dataclass(frozen=True)
class Count(Measure):
    """How many records (or distinct values of `distinct`, e.g. quote numbers)."""

    distinct: str = ""

    def empty(self) -> Number:
        return Number(0)

    def compute(self, rows: QuerySet[Any], job: Job) -> Outcome:
        qs = job.in_period(rows)
        counted = CountRows(self.distinct, distinct=True) if self.distinct else CountRows("pk")
        total = Number(qs.aggregate(n=counted)["n"] or 0)
        if job.dimension is None:
            return Outcome(total)
        grouped = _by_group(job, qs).annotate(n=counted).order_by()
        return Outcome(total, {job.key_of(row[GROUP]): Number(row["n"]) for row in grouped})


@dataclass(frozen=True)
class Aggregate(Measure):
    """sum / avg / median / min / max of `field`. With `currency` (the lookup of the record's
    currency) the field is money, converted to the company currency; with `weight` (the lookup
    of a percentage, e.g. the stage's win probability) each value counts weight % of itself."""

    how: str
    field: str
    currency: str = ""
    weight: str = ""

    def __post_init__(self) -> None:
        if self.how not in AGGREGATES:
            raise ValueError(f"unknown aggregate {self.how!r}")

    def empty(self) -> Number:
        return Number(decimal.Decimal(0)) if self.how == "sum" else no_records()

    def _keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.currency, self.weight) if k)

    def compute(self, rows: QuerySet[Any], job: Job) -> Outcome:
        qs = job.in_period(rows).order_by()
        rate_of = rates()
        parts: Iterable[dict[str, Any]]
        sums = {
            "s": Sum(self.field), "n": CountRows(self.field),
            "lo": Min(self.field), "hi": Max(self.field),
        }  # fmt: skip
        if self.how == "median":
            parts = _by_group(job, qs, self.field, *self._keys())
        elif job.dimension is None and not self._keys():
            parts = [qs.aggregate(**sums)]  # one row: nothing to group by
        else:
            parts = _by_group(job, qs, *self._keys()).annotate(**sums)
        per_group: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        everything: list[dict[str, Any]] = []
        for part in parts:
            everything.append(part)
            if job.dimension is not None:
                per_group[job.key_of(part[GROUP])].append(part)
        total = self._combine(everything, rate_of)
        if job.dimension is None:
            return Outcome(total)
        return Outcome(total, {key: self._combine(p, rate_of) for key, p in per_group.items()})

    def _amount(
        self, part: dict[str, Any], name: str, rate_of: dict[str, decimal.Decimal]
    ) -> decimal.Decimal:
        value = part[name]
        if value is None:
            return decimal.Decimal(0)
        amount = decimal.Decimal(value)
        if self.currency:
            amount = convert(amount, part[self.currency], rate_of)
        if self.weight:
            amount = amount * decimal.Decimal(part[self.weight] or 0) / 100
        return amount

    def _combine(self, parts: list[dict[str, Any]], rate_of: dict[str, decimal.Decimal]) -> Number:
        try:
            if self.how == "median":
                values = [
                    self._amount(p, self.field, rate_of) for p in parts if p[self.field] is not None
                ]
                return Number(statistics.median(values)) if values else no_records()
            counted = sum(p["n"] for p in parts)
            if self.how == "sum":
                return Number(
                    sum((self._amount(p, "s", rate_of) for p in parts), decimal.Decimal(0))
                )
            if not counted:
                return no_records()
            if self.how == "avg":
                return Number(sum(self._amount(p, "s", rate_of) for p in parts) / counted)
            ends = [
                self._amount(p, "lo" if self.how == "min" else "hi", rate_of)
                for p in parts
                if p["n"]
            ]
            return Number(min(ends) if self.how == "min" else max(ends))
        except MissingRate as missing:
            return Number(None, missing.reason)


@dataclass(frozen=True)
class Duration(Measure):
    """The median (or average) number of days from `start` to `end` of each record."""

    start: str
    end: str
    how: str = "median"

    def compute(self, rows: QuerySet[Any], job: Job) -> Outcome:
        qs = job.in_period(rows).filter(
            **{f"{self.start}__isnull": False, f"{self.end}__isnull": False}
        )
        if job.dimension is None and self.how == "median":
            return Outcome(self._median(qs.order_by()))
        per_group: dict[Any, list[float]] = defaultdict(list)
        everything: list[float] = []
        for row in _by_group(job, qs.order_by(), self.start, self.end):
            days = (row[self.end] - row[self.start]).total_seconds() / 86400
            everything.append(days)
            if job.dimension is not None:
                per_group[job.key_of(row[GROUP])].append(days)
        total = self._of(everything)
        if job.dimension is None:
            return Outcome(total)
        return Outcome(total, {key: self._of(days) for key, days in per_group.items()})

    def _median(self, qs: QuerySet[Any]) -> Number:
        """The ungrouped median from the database: the one or two middle gaps of the rows
        sorted by gap, instead of every row's two moments read into Python (9,000 won deals
        of a quarter: 100 ms of CPU on PostgreSQL)."""
        n = qs.count()
        if not n:
            return no_records()
        gap = ExpressionWrapper(F(self.end) - F(self.start), output_field=DurationField())
        ordered = qs.annotate(gap=gap).order_by("gap").values_list("gap", flat=True)
        middle = [g.total_seconds() / 86400 for g in ordered[(n - 1) // 2 : n // 2 + 1]]
        return self._of(middle)  # the mean of the two middle ones when n is even

    def _of(self, days: list[float]) -> Number:
        if not days:
            return no_records()
        middle = statistics.median(days) if self.how == "median" else statistics.fmean(days)
        return Number(decimal.Decimal(str(round(middle, 4))))


@dataclass(frozen=True)
class DistinctKeys(Measure):
    """How many distinct keys (customers) have a record in the period, or with `first_only`
    their first record: a record is keyed by the first of `keys` it has (an order's company,
    else its person). Only the records the user sees are looked at, so a first order is the
    first they can see. Groups: by a part of the date only (the month of the record)."""

    keys: tuple[str, ...]
    first_only: bool = False

    def empty(self) -> Number:
        return Number(0)

    def _tiers(self, rows: QuerySet[Any]) -> Iterable[tuple[str, QuerySet[Any]]]:
        """Each key with the records keyed by it (company orders, then the others' people)."""
        for i, key in enumerate(self.keys):
            nulls = {f"{k}__isnull": True for k in self.keys[:i]}
            yield key, rows.filter(**nulls, **{f"{key}__isnull": False})

    def compute(self, rows: QuerySet[Any], job: Job) -> Outcome:
        if job.dimension is not None and not job.dimension.date_part:
            raise ValueError("a count of distinct keys groups by a date part only")
        if self.first_only:
            return self._firsts(rows, job)
        total = 0
        groups: dict[Any, int] = defaultdict(int)
        for key, keyed in self._tiers(rows):
            in_period = job.in_period(keyed).order_by()
            total += in_period.aggregate(n=CountRows(key, distinct=True))["n"] or 0
            if job.dimension is not None:
                for row in _by_group(job, in_period).annotate(n=CountRows(key, distinct=True)):
                    groups[job.key_of(row[GROUP])] += row["n"]
        if job.dimension is None:
            return Outcome(Number(total))
        return Outcome(Number(total), {key: Number(n) for key, n in groups.items()})

    def _firsts(self, rows: QuerySet[Any], job: Job) -> Outcome:
        date = job.metric.date
        assert date is not None
        firsts: list[datetime.datetime] = []
        for key, keyed in self._tiers(rows):
            first = keyed.order_by().values(key).annotate(first=Min(date))
            firsts += list(job.in_period(first, "first").values_list("first", flat=True))
        total = Number(len(firsts))
        if job.dimension is None:
            return Outcome(total)
        groups: dict[Any, int] = defaultdict(int)
        for moment in firsts:
            groups[job.key_of(moment)] += 1
        return Outcome(total, {key: Number(n) for key, n in groups.items()})


@dataclass(frozen=True)
class Prior:
    """A formula input read over an earlier period: the period just before (last month's
    revenue, for growth period over period), or with `year_before` the same days a year
    earlier (year over year)."""

    metric: str
    year_before: bool = False

    def period(self, period: Period) -> Period:
        return period.year_before() if self.year_before else period.previous()


@dataclass(frozen=True)
class Formula(Measure):
    """A number made from other metrics of the same period and groups, e.g. won ÷ closed.

    `combine` gets each input's value (as Decimal) by name and may divide by zero: that, or
    None, gives no value with `empty_reason`. An input without a value passes its reason on."""

    inputs: dict[str, str | Prior]
    combine: Callable[[dict[str, decimal.Decimal]], decimal.Decimal | None]
    empty_reason: Promise | str = field(default="")

    def reads(self) -> tuple[str, ...]:
        return tuple(i.metric if isinstance(i, Prior) else i for i in self.inputs.values())

    def apply(self, numbers: dict[str, Number]) -> Number:
        for number in numbers.values():
            if number.value is None:
                return number
        values = {name: decimal.Decimal(n.value) for name, n in numbers.items()}  # type: ignore[arg-type]
        try:
            result = self.combine(values)
        except (ZeroDivisionError, decimal.DivisionByZero, decimal.InvalidOperation):
            result = None
        if result is None:
            return Number(None, str(self.empty_reason) or _("Nothing to divide by in this period."))
        return Number(result)
