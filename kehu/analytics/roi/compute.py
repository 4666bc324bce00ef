"""The ROI page's numbers: the catalogue's outcome metrics over a period before and after
(go-live by default, or two periods picked), and the ROI line from the saved costs and the
measured gain. Every number can be missing, with its reason: never an error (decision 0039)."""

from __future__ import annotations

import datetime
import decimal
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kehu.analytics.adoption import queries as adoption
from kehu.analytics.metrics import Number, period_for, registry, value
from kehu.analytics.metrics.periods import Period
from kehu.analytics.roi.models import RoiInputs

#: the outcomes compared, from the catalogue
COMPARED = (
    "win_rate",
    "sales_cycle_days",
    "revenue_won",
    "customer_retention_rate",
    "lead_response_hours",
)
#: an average month, in days (365.25 ÷ 12): revenue per month over periods of any length
MONTH_DAYS = decimal.Decimal("30.4375")
HUNDRED = decimal.Decimal(100)
CENT = decimal.Decimal("0.01")


@dataclass(frozen=True)
class Periods:
    before: Period
    after: Period
    go_live: datetime.date | None  # when the default comparison is used
    picked: bool  # the viewer picked both periods


@dataclass(frozen=True)
class Row:
    metric: registry.Metric
    before: Number
    after: Number
    change: Number  # after − before, in the metric's unit
    better: bool | None  # the change is an improvement (None: no change to judge)


def _day(value: Any) -> datetime.date | None:
    try:
        return parse_date(str(value or ""))
    except ValueError:
        return None


def periods(viewer: Any, query: dict[str, Any]) -> tuple[Periods | None, dict[str, list[str]]]:
    """The two periods compared: those in `query` (before_start … after_end) when all four are
    given and valid, else since go-live (the first day anyone in the viewer's scope used Kehu)
    against as many days just before it. (None, {}) before go-live; errors name bad fields."""
    names = ("before_start", "before_end", "after_start", "after_end")
    given = {name: query.get(name) for name in names if query.get(name)}
    errors: dict[str, list[str]] = {}
    if given:
        days = {name: _day(given.get(name)) for name in names}
        for name, day in days.items():
            if day is None:
                errors[name] = [_("Enter a date such as 2026-12-01.")]
        chosen: dict[str, Period] = {}
        for side in ("before", "after") if not errors else ():
            try:
                chosen[side] = period_for(
                    viewer, "custom", days[f"{side}_start"], days[f"{side}_end"]
                )
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    errors[f"{side}_{name}"] = messages
        if not errors:
            return Periods(chosen["before"], chosen["after"], None, True), {}
    start = adoption.go_live(viewer)
    if start is None:
        return None, errors
    today = timezone.localdate()
    start = min(start, today)
    length = (today - start).days + 1
    after = period_for(viewer, "custom", start, today)
    before_end = start - datetime.timedelta(days=1)
    before = period_for(viewer, "custom", before_end - datetime.timedelta(days=length - 1),
                        before_end)  # fmt: skip
    return Periods(before, after, start, False), errors


def _lower_is_better(metric: registry.Metric) -> bool:
    fewer = "lower" if metric.unit in ("days", "hours") else "higher"
    return metric.extra.get("better", fewer) == "lower"


def comparison(viewer: Any, chosen: Periods) -> list[Row]:
    rows = []
    for key in COMPARED:
        metric = registry.metric(key)
        before = value(key, viewer, chosen.before).total
        after = value(key, viewer, chosen.after).total
        if before.value is None or after.value is None:
            change = Number(None, after.reason or before.reason)
            better = None
        else:
            difference = decimal.Decimal(after.value) - decimal.Decimal(before.value)
            change = Number(difference)
            better = None if not difference else (difference < 0) == _lower_is_better(metric)
        rows.append(Row(metric, before, after, change, better))
    return rows


def months(period: Period) -> decimal.Decimal:
    return decimal.Decimal((period.end - period.start).days + 1) / MONTH_DAYS


@dataclass(frozen=True)
class Roi:
    """The ROI line with every input, so the page can show the formula filled in."""

    hosting: decimal.Decimal
    staff_hours: decimal.Decimal
    hourly_rate: decimal.Decimal
    training: decimal.Decimal
    margin: decimal.Decimal | None
    cost: decimal.Decimal  # per month
    revenue_before: Number  # per month
    revenue_after: Number  # per month
    gain: Number  # per month
    net: Number  # gain − cost, per month
    roi: Number  # percent


def _per_month(number: Number, period: Period) -> Number:
    if number.value is None:
        return number
    return Number((decimal.Decimal(number.value) / months(period)).quantize(CENT))


def roi(inputs: RoiInputs, chosen: Periods, revenue: Row) -> Roi:
    """cost = hosting + staff hours × hourly rate + training (per month); gain = (revenue won
    per month after − before) × gross margin (or × 1 without one); ROI = (gain − cost) ÷ cost."""
    hosting, hours, rate, training = (
        decimal.Decimal(str(getattr(inputs, name) or 0))
        for name in ("hosting_monthly", "staff_hours_monthly", "hourly_rate", "training_monthly")
    )
    cost = (hosting + hours * rate + training).quantize(CENT)
    before = _per_month(revenue.before, chosen.before)
    after = _per_month(revenue.after, chosen.after)
    margin = inputs.gross_margin_percent
    margin = None if margin is None else decimal.Decimal(str(margin))
    if before.value is None or after.value is None:
        gain = Number(None, after.reason or before.reason)
    else:
        difference = decimal.Decimal(after.value) - decimal.Decimal(before.value)
        share = margin / HUNDRED if margin is not None else decimal.Decimal(1)
        gain = Number((difference * share).quantize(CENT))
    if gain.value is None:
        net, result = gain, gain
    else:
        net = Number(decimal.Decimal(gain.value) - cost)
        if not cost:
            result = Number(None, _("No cost entered: enter what Kehu costs a month first."))
        else:
            ratio = decimal.Decimal(net.value) * HUNDRED / cost  # type: ignore[arg-type]
            result = Number(ratio.quantize(decimal.Decimal("0.1")))
    return Roi(
        hosting, hours, rate, training, margin, cost, before, after, gain, net, result,
    )  # fmt: skip
