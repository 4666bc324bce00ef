"""A goal's attainment and pacing, live from the metric catalogue.

The actual is the metric over the goal's subject's records in the goal's period, whoever looks:
a person's goal counts the records they own, a team's goal those its members own now, a company
goal all records. So it is computed with a reader who sees every record (`EVERYONE`) and read
from the metric's `owner` or `team` group; who may see the goal at all is decided before, by
`services.visible_goals`. The records listed behind a goal are the viewer's own visible ones.

Pacing: a metric that adds up over the period (a count, a sum) is expected to grow in a
straight line over the period's days, so the expected value at the end of today is
target × days passed (today included) ÷ days in the period. A rate or an average (win rate,
deal size, cycle length) is expected at its target all along. The status is "on track" while
the actual is within ON_TRACK_BAND (5 %) of the expected value, "ahead" above, "behind" below
(mirrored for a metric where less is better, such as a cycle length in days). After the last
day the result is final: "achieved" or "missed".
"""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.accounts.models import User
from kehu.analytics.goals.models import Goal
from kehu.analytics.metrics import Aggregate, Count, DistinctKeys, Number, registry, value
from kehu.analytics.metrics.periods import Period

ON_TRACK_BAND = decimal.Decimal("0.05")
HUNDRED = decimal.Decimal(100)
#: the most points a pacing line has (each one is a query of the metric)
MAX_POINTS = 12

STATUSES = {
    "upcoming": gettext_lazy("Not started"),
    "ahead": gettext_lazy("Ahead"),
    "on_track": gettext_lazy("On track"),
    "behind": gettext_lazy("Behind"),
    "achieved": gettext_lazy("Achieved"),
    "missed": gettext_lazy("Missed"),
    "unknown": gettext_lazy("No value"),
}


def _everyone() -> User:
    """A reader who sees every record, in the company's time zone; never saved, never logged
    in: only used to compute a goal's actual (module docstring)."""
    return User(username="", is_superuser=True, is_active=True, time_zone=settings.TIME_ZONE)


def cumulative(metric: registry.Metric) -> bool:
    """Whether the metric adds up over the period's days (a count or a sum)."""
    measure = metric.measure
    if isinstance(measure, Aggregate):
        return measure.how == "sum"
    return isinstance(measure, Count | DistinctKeys)


def lower_is_better(metric: registry.Metric) -> bool:
    """Days (a cycle length, a response time) are better fewer; a metric may say otherwise
    with extra={"better": "lower" | "higher"} when it registers."""
    return (
        metric.extra.get("better", "lower" if metric.unit in ("days", "hours") else "higher")
        == "lower"
    )


def today(now: datetime.datetime | None = None) -> datetime.date:
    """The company's today: goals' periods are days in the company's time zone."""
    return timezone.localtime(now or timezone.now(), _zone()).date()


def _zone() -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def actual(goal: Goal, through: datetime.date | None = None,
           now: datetime.datetime | None = None) -> Number:  # fmt: skip
    """The goal's metric for its subject from its first day to `through` (default: its last)."""
    metric = registry.metric(goal.metric)
    end = goal.end if through is None else min(goal.end, through)
    period = Period(goal.period if end == goal.end else "custom", goal.start, end)
    if goal.user_id or goal.team_id:
        dimension, key = ("owner", goal.user_id) if goal.user_id else ("team", goal.team_id)
        found = value(goal.metric, _everyone(), period, group_by=dimension, now=now)
        group = next((g for g in found.groups or [] if g.key == key), None)
        return group.number if group is not None else metric.measure.empty()
    return value(goal.metric, _everyone(), period, now=now).total


@dataclass
class Progress:
    goal: Goal
    actual: Number
    expected: decimal.Decimal | None
    status: str
    percent: decimal.Decimal | None  # of the target attained
    remaining: decimal.Decimal | None  # to reach the target (0 once reached)
    days: int
    days_passed: int
    final: bool
    points: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(STATUSES[self.status])

    @property
    def bar(self) -> float:
        """The share of the target attained, 0–100, for a progress bar."""
        return float(min(self.percent or 0, HUNDRED))

    @property
    def expected_bar(self) -> float:
        if self.expected is None or not self.goal.target:
            return 0.0
        return float(min(self.expected * HUNDRED / self.goal.target, HUNDRED))


def _decimal(number: Number) -> decimal.Decimal | None:
    return None if number.value is None else decimal.Decimal(number.value)


def progress(goal: Goal, *, now: datetime.datetime | None = None,
             with_points: bool = False) -> Progress:  # fmt: skip
    """Where the goal stands at `now`: actual, expected, status, percent, remaining; with
    `with_points` also the pacing line (expected and actual at up to MAX_POINTS days)."""
    metric = registry.metric(goal.metric)
    day = today(now)
    days = (goal.end - goal.start).days + 1
    passed = max(0, min(days, (day - goal.start).days + 1))
    final = day > goal.end
    number = actual(goal, now=now)
    current = _decimal(number)
    target = goal.target
    adds_up, lower = cumulative(metric), lower_is_better(metric)
    expected: decimal.Decimal | None = (
        (target * passed / days).quantize(decimal.Decimal("0.01")) if adds_up else target
    )
    if passed == 0:
        expected = decimal.Decimal(0) if adds_up else None
    percent = remaining = None
    if current is not None:
        if lower:
            percent = (target * HUNDRED / current) if current else None
            remaining = max(current - target, decimal.Decimal(0))
        else:
            percent = (current * HUNDRED / target) if target else None
            remaining = max(target - current, decimal.Decimal(0))
        if percent is not None:
            percent = percent.quantize(decimal.Decimal("0.1"), decimal.ROUND_HALF_UP)
    status = _status(current, expected, target, lower, final, passed)
    result = Progress(goal, number, expected, status, percent, remaining, days, passed, final)
    if with_points:
        result.points = _points(goal, day, adds_up, now)
    return result


def _status(current, expected, target, lower, final, passed) -> str:
    if passed == 0:
        return "upcoming"
    if current is None:
        return "unknown"
    if final:
        reached = current <= target if lower else current >= target
        return "achieved" if reached else "missed"
    if expected is None:
        return "unknown"
    band = expected * ON_TRACK_BAND
    if lower:
        current, expected = -current, -expected
    if current > expected + band:
        return "ahead"
    if current < expected - band:
        return "behind"
    return "on_track"


def _points(goal: Goal, day: datetime.date, adds_up: bool,
            now: datetime.datetime | None) -> list[dict[str, Any]]:  # fmt: skip
    """The pacing line: at evenly spread days of the period (and today), the expected value and
    (up to today) the actual from the first day to that one."""
    days = (goal.end - goal.start).days + 1
    step = max(1, -(-days // MAX_POINTS))
    offsets = sorted({*range(step - 1, days, step), days - 1})
    if goal.start <= day <= goal.end:
        offsets = sorted({*offsets, (day - goal.start).days})
    points = []
    for offset in offsets:
        at = goal.start + datetime.timedelta(days=offset)
        expected = goal.target * (offset + 1) / days if adds_up else goal.target
        reached = _decimal(actual(goal, through=at, now=now)) if at <= day else None
        points.append({"day": at, "expected": expected.quantize(decimal.Decimal("0.01")),
                       "actual": reached})  # fmt: skip
    return points


def history(viewer: User, goal: Goal, limit: int = 12) -> list[Progress]:
    """The goals on the same metric for the same subject of earlier periods (of the same kind),
    with their final attainment: a goal's history, one row per period."""
    from kehu.analytics.goals.services import visible_goals

    subject: dict[str, Any] = {"user_id": goal.user_id, "team_id": goal.team_id}
    earlier = visible_goals(viewer).filter(
        metric=goal.metric, period=goal.period, start__lt=goal.start, **subject
    ).order_by("-start")[:limit]  # fmt: skip
    return [progress(g) for g in earlier]


def explain_unknown(number: Number) -> str:
    return number.reason or _("No value")
