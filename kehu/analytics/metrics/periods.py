"""The periods a metric is read over, as days in the user's time zone, and the moments those
days start and end at (what the database compares a stored UTC moment with)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PERIODS = (
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
    "last_year",
    "custom",
)
#: days a metric can be read for: a later day would overflow date arithmetic
EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(9998, 12, 31)


@dataclass(frozen=True)
class Period:
    """`start` to `end`, both days included."""

    kind: str
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period just before, of the same kind: last month for a month, the same number
        of days before for a custom period (for growth period over period)."""
        months = {"month": 1, "quarter": 3, "year": 12}.get(self.kind.split("_")[-1])
        if months is None:
            end = self.start - datetime.timedelta(days=1)
            return Period(self.kind, end - datetime.timedelta(days=self.days - 1), end)
        return Period(self.kind, _months_before(self.start, months), self.start - _DAY)

    def year_before(self) -> Period:
        """The same days a year earlier (29 February becomes the 28th), for year-over-year."""
        return Period(self.kind, _a_year_before(self.start), _a_year_before(self.end))

    def moments(self, zone: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
        """[first moment, first moment after) of the period in `zone`."""
        return _midnight(self.start, zone), _midnight(self.end + _DAY, zone)


_DAY = datetime.timedelta(days=1)


def _midnight(day: datetime.date, zone: datetime.tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def _a_year_before(day: datetime.date) -> datetime.date:
    if day.month == 2 and day.day == 29:
        return datetime.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period(
    kind: str | None,
    today: datetime.date,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Period:
    """The period `kind` names on `today` (the user's today); empty: this month. A custom
    period takes `start` and `end`. Raises ValidationError naming the bad parameter."""
    kind = kind or "this_month"
    if kind not in PERIODS:
        choices = ", ".join(PERIODS)
        raise ValidationError({"period": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    if kind == "custom":
        return _custom(start, end)
    if start is not None or end is not None:
        raise ValidationError({"start": [_("A start and an end go with period=custom only.")]})
    month = today.replace(day=1)
    if kind.endswith("month"):
        first = month
    elif kind.endswith("quarter"):
        first = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    else:
        first = month.replace(month=1)
    months = {"month": 1, "quarter": 3, "year": 12}[kind.split("_")[1]]
    if kind.startswith("last_"):
        first = _months_before(first, months)
    last = _month_end(_months_before(first, -(months - 1)))
    return Period(kind, first, last)


def _custom(start: datetime.date | None, end: datetime.date | None) -> Period:
    errors: dict[str, list[str]] = {}
    for name, day in (("start", start), ("end", end)):
        if day is None:
            errors[name] = [_("A custom period needs a start and an end date.")]
        elif not EARLIEST <= day <= LATEST:
            errors[name] = [_("Enter a date between 1900 and 9998.")]
    if not errors and start > end:  # type: ignore[operator]
        errors["end"] = [_("The end date must not be before the start date.")]
    if errors:
        raise ValidationError(errors)
    assert start is not None and end is not None
    return Period("custom", start, end)
