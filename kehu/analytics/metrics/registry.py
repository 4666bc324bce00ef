"""The catalogue: every metric and every dimension a metric may be grouped by, registered by
the app that owns the records they read (sales, activities …), never by analytics itself.

A metric names its record type (a key of the condition registry, `kehu.core.conditions`), so
its model, its read door (`visible_to`) and the conditions that may narrow it all come from
there. Everything that reaches SQL as a name (lookups, expressions) is written here in code by
the registering app; a request only picks registered keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.functional import Promise

from kehu.core import conditions
from kehu.core.conditions import Context

if TYPE_CHECKING:
    from kehu.analytics.metrics.measures import Measure

UNITS = ("count", "money", "percent", "days", "hours")
#: the truncations a date dimension may ask for (of the metric's own date)
DATE_PARTS = ("month", "quarter", "year")


@dataclass(frozen=True)
class Dimension:
    """A way to split a metric's value: by a column the registering app names (`lookup`,
    e.g. "owner_id"), or by a part of the metric's own date (`date_part`: month …).

    `names` turns the keys found into what people read ({key: label}); keys it leaves out,
    and the empty key, read as `empty_label`."""

    key: str
    label: Promise | str
    lookup: str = ""
    date_part: str = ""
    names: Callable[[list[Any]], dict[Any, str]] | None = None
    empty_label: Promise | str = "—"

    def __post_init__(self) -> None:
        if bool(self.lookup) == bool(self.date_part):
            raise ValueError(f"dimension {self.key!r}: give a lookup or a date part")
        if self.date_part and self.date_part not in DATE_PARTS:
            raise ValueError(f"dimension {self.key!r}: unknown date part {self.date_part!r}")


@dataclass(frozen=True)
class Metric:
    """One number the company measures, with its textbook definition.

    `date` is the ORM lookup of the moment (or day) a record counts by: a record is in a
    period when that date falls in it. None: a snapshot of now (open pipeline), which no
    period narrows. `where` narrows the records to those the metric is about (won deals);
    it may read the context (now, the user's time zone)."""

    key: str
    label: Promise | str
    unit: str
    record_type: str
    measure: Measure
    definition: Promise | str
    formula: Promise | str
    date: str | None = None
    where: Q | Callable[[Context], Q] | None = None
    dimensions: tuple[str, ...] = ()
    #: which domain registered it ("sales", "activities" …), for the catalogue's grouping
    domain: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"metric {self.key!r}: unknown unit {self.unit!r}")

    @property
    def model(self) -> Any:
        return conditions.record_type(self.record_type).model

    def narrowing(self, ctx: Context) -> Q:
        """The metric's own condition (`where`) as a Q for this context."""
        if self.where is None:
            return Q()
        return self.where(ctx) if callable(self.where) else self.where


_METRICS: dict[str, Metric] = {}
_DIMENSIONS: dict[str, Dimension] = {}


def register_dimension(dimension: Dimension) -> None:
    """Offer `dimension` to metrics (registering a key again replaces it)."""
    _DIMENSIONS[dimension.key] = dimension


def register_metric(metric: Metric) -> None:
    """Add `metric` to the catalogue. Its dimensions must be registered first, and the
    metrics a formula reads too, so a mistake fails when the app starts, not on a page."""
    unknown = [d for d in metric.dimensions if d not in _DIMENSIONS]
    if unknown:
        raise ValueError(f"metric {metric.key!r}: unregistered dimensions {unknown}")
    for needed in metric.measure.reads():
        if needed not in _METRICS:
            raise ValueError(f"metric {metric.key!r} reads unregistered metric {needed!r}")
        missing = set(metric.dimensions) - set(_METRICS[needed].dimensions)
        if missing:
            raise ValueError(f"metric {metric.key!r}: {needed!r} has no dimensions {missing}")
    if metric.date is None and any(_DIMENSIONS[d].date_part for d in metric.dimensions):
        raise ValueError(f"metric {metric.key!r}: a snapshot has no date to group by")
    _METRICS[metric.key] = metric


def register_metrics(metrics: Iterable[Metric]) -> None:
    for metric in metrics:
        register_metric(metric)


def metric(key: str) -> Metric:
    """The registered metric; KeyError when there is none."""
    return _METRICS[key]


def metrics() -> list[Metric]:
    """The catalogue, in the order the apps registered it."""
    return list(_METRICS.values())


def dimension(key: str) -> Dimension:
    """The registered dimension; KeyError when there is none."""
    return _DIMENSIONS[key]
