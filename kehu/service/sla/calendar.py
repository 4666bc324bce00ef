"""Business hours for service-desk SLA clocks: when a due time falls, and how much working time
has passed, on a team's calendar.

An SLA counts working time only: a ticket that arrives on Friday evening is not late on Saturday
morning. A calendar is a weekly pattern of working periods in the team's own time zone, with
mainland China's public holidays and make-up working days (调休) from `chinese_calendar`, and the
admin's own days off and extra working days on top.

All arithmetic is on real elapsed time: each local working period is turned into an interval of
UTC microseconds once per day (and cached), so a period that spans a DST change counts the hours
that really passed, and the walk goes period by period, never minute by minute.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

Period = tuple[datetime.time, datetime.time | None]
"""A working period `[start, end)` in local time; an end of None means midnight at the day's end."""

Periods = tuple[Period, ...]
Hours = Mapping[int, Sequence[Period]]
Interval = tuple[int, int]
"""A working period as `[start, end)` in microseconds since the Unix epoch (UTC)."""

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_WALK_DAYS = 3 * 366
"""How far past the start a due time may fall: past this the calendar is taken to be broken."""

_UTC = datetime.UTC
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=_UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)
_ONE_DAY = datetime.timedelta(days=1)
_MIDNIGHT = datetime.time(0, 0)
_DAY_CACHE_LIMIT = 20_000


def default_hours() -> dict[int, Periods]:
    """A Chinese office's week: Monday to Friday 09:00–12:00 and 13:00–18:00, with the lunch
    break off the clock, and no weekend hours."""
    day: Periods = (
        (datetime.time(9, 0), datetime.time(12, 0)),
        (datetime.time(13, 0), datetime.time(18, 0)),
    )
    return {weekday: day for weekday in range(5)}


def validate_hours(hours: Hours) -> None:
    """Refuse weekly hours the engine could not count correctly, with a message an admin can act
    on: periods must be ordered, must not overlap and must last some time."""
    for weekday, periods in hours.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"{weekday!r} is not a weekday: use 0 (Monday) to 6 (Sunday).")
        name = WEEKDAY_NAMES[weekday]
        previous: Period | None = None
        for period in periods:
            if len(period) != 2:
                raise ValueError(f"{name}: a working period needs a start and an end.")
            start, end = period
            if not isinstance(start, datetime.time) or not (
                end is None or isinstance(end, datetime.time)
            ):
                raise ValueError(f"{name}: a working period's start and end must be times.")
            if start.tzinfo is not None or (end is not None and end.tzinfo is not None):
                raise ValueError(
                    f"{name}: give working periods in local time, without a time zone; "
                    "the calendar's time zone applies."
                )
            if end is not None and end == start:
                raise ValueError(f"{name}: the period {_show_period(period)} is empty.")
            if end is not None and end < start:
                raise ValueError(
                    f"{name}: the period {_show_period(period)} ends before it starts; a period "
                    "cannot run past midnight (end it at 24:00 and start the next day at 00:00)."
                )
            if previous is not None:
                if previous[1] is None:
                    raise ValueError(
                        f"{name}: the period {_show_period(period)} comes after one that ends "
                        "at 24:00."
                    )
                if start < previous[0]:
                    raise ValueError(
                        f"{name}: the periods are not in order: {_show_period(period)} comes "
                        f"after {_show_period(previous)}."
                    )
                if start < previous[1]:
                    raise ValueError(
                        f"{name}: the periods {_show_period(previous)} and {_show_period(period)} "
                        "overlap."
                    )
            previous = (start, end)


def _show_period(period: Period) -> str:
    start, end = period
    return f"{start:%H:%M}–{'24:00' if end is None else format(end, '%H:%M')}"


class _ChinaDay(Enum):
    PUBLIC_HOLIDAY = "public holiday"
    MAKE_UP_WORKDAY = "make-up working day"


@cache
def china_has_data(year: int) -> bool:
    """Whether `chinese_calendar` knows that year's holidays: it only has the years the State
    Council has announced, and raises for the others."""
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        return False
    try:
        chinese_calendar.is_workday(datetime.date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _china_day(day: datetime.date) -> _ChinaDay | None:
    """What China's holiday schedule makes of a day in a year it has data for; None for an
    ordinary day, which keeps the calendar's own weekday pattern. (`is_workday()` alone would
    also call every ordinary weekend a day off, wrong for teams that work weekends.)"""
    is_holiday, name = chinese_calendar.get_holiday_detail(day)
    if name is None:
        return None
    return _ChinaDay.PUBLIC_HOLIDAY if is_holiday else _ChinaDay.MAKE_UP_WORKDAY


@lru_cache(maxsize=64)
def _zone(time_zone: str) -> ZoneInfo:
    return ZoneInfo(time_zone)


def _to_micros(moment: datetime.datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _from_micros(micros: int) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(microseconds=micros)


def _local_to_micros(zone: ZoneInfo, wall: datetime.datetime) -> int:
    """The real moment a local wall-clock time names. An ambiguous time (the repeated hour when
    clocks go back) is its first occurrence; a time that never happens (the hour skipped when
    clocks go forward) is the moment the clocks jump past it, so a period never gains time that
    the wall clock skipped."""
    first = wall.replace(tzinfo=zone)
    micros = _to_micros(first)
    if _from_micros(micros).astimezone(zone).replace(tzinfo=None) == wall:
        return micros
    low = _to_micros(wall.replace(tzinfo=zone, fold=1))
    high = micros
    while low < high:
        middle = (low + high) // 2
        if _from_micros(middle).astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle + 1
    return high


@lru_cache(maxsize=65_536)
def _utc_intervals(time_zone: str, day: datetime.date, periods: Periods) -> tuple[Interval, ...]:
    """A day's working periods as real intervals; shared by every calendar with the same zone and
    periods, so building calendars afresh for each request stays cheap."""
    zone = _zone(time_zone)
    intervals: list[Interval] = []
    for start, end in periods:
        begins = _local_to_micros(zone, datetime.datetime.combine(day, start))
        if end is None:
            ends = _local_to_micros(zone, datetime.datetime.combine(day + _ONE_DAY, _MIDNIGHT))
        else:
            ends = _local_to_micros(zone, datetime.datetime.combine(day, end))
        if ends > begins:
            intervals.append((begins, ends))
    return tuple(intervals)


def _require_aware(moment: datetime.datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"The {what} must be an aware datetime (with a time zone).")


@dataclass(frozen=True)
class WorkingCalendar:
    """A team's working time: the weekly hours in its time zone, China's holidays and make-up
    working days when wanted, and the admin's own days off and extra working days.

    Which hours a local date has, first rule that applies: an admin holiday has none; an admin
    extra working day has its weekday's hours, or the usual workday hours if its weekday has none;
    a public holiday in China has none and a make-up working day (调休) the usual workday hours,
    for years `chinese_calendar` knows; otherwise the weekday's hours. The usual workday hours are
    those of the first weekday, Monday on, that has any."""

    time_zone: str
    hours: Mapping[int, Sequence[Period]] = field(default_factory=default_hours)
    china_holidays: bool = True
    holidays: frozenset[datetime.date] = frozenset()
    workdays: frozenset[datetime.date] = frozenset()
    _weekly: dict[int, Periods] = field(init=False, repr=False, compare=False)
    _usual_workday: Periods = field(init=False, repr=False, compare=False)
    _days: dict[datetime.date, tuple[Interval, ...]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        try:
            _zone(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"{self.time_zone!r} is not a known time zone.") from error
        validate_hours(self.hours)
        weekly: dict[int, Periods] = {
            weekday: tuple((start, end) for start, end in self.hours.get(weekday, ()))
            for weekday in range(7)
        }
        usual = next((weekly[weekday] for weekday in range(7) if weekly[weekday]), ())
        object.__setattr__(self, "_weekly", weekly)
        object.__setattr__(self, "_usual_workday", usual)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))

    def day_periods(self, day: datetime.date) -> Periods:
        """The local working periods of that date; empty on a day off."""
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self._weekly[day.weekday()] or self._usual_workday
        if self.china_holidays and china_has_data(day.year):
            china_day = _china_day(day)
            if china_day is _ChinaDay.PUBLIC_HOLIDAY:
                return ()
            if china_day is _ChinaDay.MAKE_UP_WORKDAY:
                return self._usual_workday
        return self._weekly[day.weekday()]

    def is_working_day(self, day: datetime.date) -> bool:
        """Whether the team works at all on that local date."""
        return bool(self.day_periods(day))

    def is_working(self, moment: datetime.datetime) -> bool:
        """Whether the SLA clock runs at that moment (a period's end is already off the clock)."""
        _require_aware(moment, "moment")
        micros = _to_micros(moment)
        day = self._local_date(moment)
        # The next day too: where clocks go back over midnight, its first period can start
        # before this day's wall clock has reached midnight.
        for interval_day in (day, day + _ONE_DAY):
            for begins, ends in self._intervals(interval_day):
                if begins <= micros < ends:
                    return True
        return False

    def add_business_seconds(self, start: datetime.datetime, seconds: int) -> datetime.datetime:
        """When `seconds` of working time will have passed after `start`, in UTC.

        For seconds > 0 the clock runs right up to the result, which is therefore working time
        or the end of a working period (a reply due at 18:00 is due at 18:00, not at 09:00 next
        morning). For 0 the result is the first working moment at or after `start`."""
        _require_aware(start, "start")
        if seconds < 0:
            raise ValueError("The number of working seconds cannot be negative.")
        if not self._usual_workday:
            raise ValueError(
                "This calendar has no working hours on any weekday, so no due time can be found."
            )
        at = _to_micros(start)
        remaining = seconds * 1_000_000
        first_day = self._local_date(start)
        for offset in range(MAX_WALK_DAYS + 1):
            for begins, ends in self._intervals(first_day + datetime.timedelta(days=offset)):
                if ends <= at:
                    continue
                at = max(at, begins)
                if remaining <= ends - at:
                    return _from_micros(at + remaining)
                remaining -= ends - at
                at = ends
        raise ValueError(
            f"The due time would fall more than {MAX_WALK_DAYS} days after {start.isoformat()}: "
            "check the calendar's working hours, holidays and extra working days."
        )

    def business_seconds_between(self, start: datetime.datetime, end: datetime.datetime) -> int:
        """Working seconds in `[start, end)`, whole seconds rounded down; 0 if end is not after
        start. It undoes `add_business_seconds`, so an SLA's elapsed and remaining time agree."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        low, high = _to_micros(start), _to_micros(end)
        if high <= low:
            return 0
        total = 0
        day = self._local_date(start)
        last_day = self._local_date(end) + _ONE_DAY
        while day <= last_day:
            for begins, ends in self._intervals(day):
                overlap = min(ends, high) - max(begins, low)
                if overlap > 0:
                    total += overlap
            day += _ONE_DAY
        return total // 1_000_000

    def missing_holiday_years(self, years: Iterable[int]) -> list[int]:
        """The years among `years` whose days fall back to the weekly pattern because
        `chinese_calendar` has no holiday schedule for them, so the UI can warn; empty when the
        calendar does not follow China's holidays."""
        if not self.china_holidays:
            return []
        return sorted({year for year in years if not china_has_data(year)})

    def _local_date(self, moment: datetime.datetime) -> datetime.date:
        return moment.astimezone(_zone(self.time_zone)).date()

    def _intervals(self, day: datetime.date) -> tuple[Interval, ...]:
        found = self._days.get(day)
        if found is None:
            if len(self._days) >= _DAY_CACHE_LIMIT:
                self._days.clear()
            found = _utc_intervals(self.time_zone, day, self.day_periods(day))
            self._days[day] = found
        return found
