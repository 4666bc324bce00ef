"""A metric's value for one user and period: the one function dashboards, reports and goals
call (`value`). It always starts from `Model.objects.visible_to(user)`, so a number never
counts a record the user cannot see; a condition narrows it through the condition compiler;
a grouping only by a registered dimension."""

from __future__ import annotations

import datetime
import decimal
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import DateTimeField, F, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.analytics.metrics import periods, registry
from kehu.analytics.metrics.measures import Formula, Number, Outcome, Prior
from kehu.analytics.metrics.periods import Period
from kehu.analytics.metrics.registry import Dimension, Metric
from kehu.analytics.metrics.trunc import LocalTrunc
from kehu.core import conditions
from kehu.core.conditions import Context

#: how many places each unit is shown with
PLACES = {
    "money": decimal.Decimal("0.01"),
    "percent": decimal.Decimal("0.1"),
    "days": decimal.Decimal("0.1"),
    "hours": decimal.Decimal("0.1"),
    "count": decimal.Decimal("0.1"),
}


class UnknownMetric(LookupError):
    """No metric is registered under this key (the API answers 404)."""


@dataclass(frozen=True)
class Group:
    key: Any
    label: str
    number: Number


@dataclass(frozen=True)
class MetricValue:
    """What `value` answers: the total over the period and, when grouped, each group's
    number (groups without records are left out)."""

    metric: Metric
    period: Period
    total: Number
    group_by: str | None = None
    groups: list[Group] | None = None

    @property
    def currency(self) -> str | None:
        return settings.DEFAULT_CURRENCY if self.metric.unit == "money" else None


@dataclass(frozen=True)
class Job:
    """One computation: which metric, over which period, grouped how, for whom."""

    metric: Metric
    period: Period
    ctx: Context
    dimension: Dimension | None = None

    @property
    def zone(self) -> datetime.tzinfo:
        return self.ctx.zone

    def _is_moment(self, lookup: str) -> bool:
        model = self.metric.model
        found: Any = None
        for part in lookup.split("__"):
            found = model._meta.get_field(part)
            model = found.related_model or model
        return isinstance(found, DateTimeField)

    def in_period(self, qs: QuerySet[Any], lookup: str | None = None) -> QuerySet[Any]:
        """`qs` narrowed to the period by the metric's date (or by `lookup`, an annotation
        holding such a date); a snapshot metric is not narrowed."""
        date = self.metric.date
        if date is None:
            return qs
        target = lookup or date
        if self._is_moment(date):
            start, end = self.period.moments(self.zone)
            return qs.filter(**{f"{target}__gte": start, f"{target}__lt": end})
        return qs.filter(**{f"{target}__gte": self.period.start, f"{target}__lte": self.period.end})

    def group_expression(self) -> Any:
        dimension = self.dimension
        assert dimension is not None
        if dimension.lookup:
            return F(dimension.lookup)
        date = self.metric.date
        assert date is not None  # registration refuses date groups of a snapshot
        if self._is_moment(date):
            return LocalTrunc(date, dimension.date_part, tzinfo=self.zone)
        return Trunc(date, dimension.date_part)

    def key_of(self, raw: Any) -> Any:
        """A group's key as the API gives it: the column's value, or "2026-12" / "2026-Q4" /
        "2026" for a part of a date."""
        dimension = self.dimension
        if dimension is None or not dimension.date_part or raw is None:
            return raw
        if isinstance(raw, datetime.datetime):
            raw = raw.astimezone(self.zone) if timezone.is_aware(raw) else raw
        if dimension.date_part == "year":
            return f"{raw.year}"
        if dimension.date_part == "quarter":
            return f"{raw.year}-Q{(raw.month - 1) // 3 + 1}"
        return f"{raw.year}-{raw.month:02d}"


def zone_of(user: Any) -> datetime.tzinfo:
    """The user's time zone (their profile's, else the site's): where their days start."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "zone", "") or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def period_for(
    user: Any,
    kind: str | None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    *,
    now: datetime.datetime | None = None,
) -> Period:
    """The period `kind` names for `user`, whose "this month" starts in their time zone."""
    today = (now or timezone.now()).astimezone(zone_of(user)).date()
    return periods.period(kind, today, start, end)


def find(key: str) -> Metric:
    try:
        return registry.metric(key)
    except KeyError:
        raise UnknownMetric(key) from None


def value(
    metric_key: str,
    user: Any,
    period: Period,
    *,
    group_by: str | None = None,
    condition: Any = None,
    now: datetime.datetime | None = None,
) -> MetricValue:
    """The metric over the records `user` may see in `period`, optionally narrowed by a
    `condition` (the condition language of the metric's record type) and grouped by one of
    the metric's dimensions. UnknownMetric for a key not registered; ValidationError naming
    `group_by` or `condition` for one that does not apply."""
    metric = find(metric_key)
    dimension = None
    if group_by:
        if group_by not in metric.dimensions:
            offered = ", ".join(metric.dimensions) or _("nothing")
            raise ValidationError(
                {"group_by": [_("This metric can be grouped by: %(dims)s.") % {"dims": offered}]}
            )
        dimension = registry.dimension(group_by)
    ctx = Context(user=user, now=now or timezone.now(), zone=zone_of(user))
    outcome = _outcome(Job(metric, period, ctx, dimension), user, condition)
    groups = None
    if dimension is not None:
        groups = _labelled(dimension, outcome.groups or {}, metric.unit)
    return MetricValue(metric, period, _rounded(outcome.total, metric.unit), group_by, groups)


def _outcome(job: Job, user: Any, condition: Any) -> Outcome:
    metric = job.metric
    if isinstance(metric.measure, Formula):
        return _formula(job, user, condition)
    rows = metric.model.objects.visible_to(user)
    if condition:
        rows = conditions.narrow(rows, metric.record_type, condition, job.ctx)
    rows = rows.filter(metric.narrowing(job.ctx)).order_by()
    return metric.measure.compute(rows, job)


def _formula(job: Job, user: Any, condition: Any) -> Outcome:
    """Each input over the same groups (and the period before, for a Prior), combined."""
    formula = job.metric.measure
    assert isinstance(formula, Formula)
    found: dict[str, tuple[Metric, Outcome]] = {}
    for name, source in formula.inputs.items():
        key = source.metric if isinstance(source, Prior) else source
        period = source.period(job.period) if isinstance(source, Prior) else job.period
        metric = find(key)
        if condition and metric.record_type != job.metric.record_type:
            raise ValidationError({"condition": [_("This metric cannot be narrowed.")]})
        inner = Job(metric, period, job.ctx, job.dimension)
        found[name] = (metric, _outcome(inner, user, condition))
    total = formula.apply({name: outcome.total for name, (_m, outcome) in found.items()})
    if job.dimension is None:
        return Outcome(total)
    keys = {key for _m, outcome in found.values() for key in (outcome.groups or {})}
    groups = {}
    for key in keys:
        numbers = {
            name: (outcome.groups or {}).get(key) or metric.measure.empty()
            for name, (metric, outcome) in found.items()
        }
        groups[key] = formula.apply(numbers)
    return Outcome(total, groups)


def _rounded(number: Number, unit: str) -> Number:
    value = number.value
    if value is None or isinstance(value, int):
        return number
    return Number(decimal.Decimal(value).quantize(PLACES[unit], decimal.ROUND_HALF_UP))


def _labelled(dimension: Dimension, numbers: dict[Any, Number], unit: str) -> list[Group]:
    keys = [key for key in numbers if key is not None]
    names = dimension.names(keys) if dimension.names else {}
    groups = [
        Group(key, names.get(key, str(key)) if key is not None else str(dimension.empty_label),
              _rounded(number, unit))
        for key, number in numbers.items()
    ]  # fmt: skip
    if dimension.date_part:
        return sorted(groups, key=lambda g: (g.key is None, str(g.key)))
    return sorted(groups, key=lambda g: (g.key is None, g.label.casefold(), str(g.key)))
