"""SLA clocks count working time only: lunch breaks, weekends, China's public holidays and make-up
working days, the admin's own days, and real hours across DST changes."""

import datetime
import re
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.service.sla.calendar import WorkingCalendar, default_hours, validate_hours

UTC = datetime.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600
T = datetime.time


def shanghai(year, month, day, hour, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def berlin(year, month, day, hour=0, minute=0, fold=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=BERLIN, fold=fold)


def office(**kwargs):
    return WorkingCalendar("Asia/Shanghai", default_hours(), **kwargs)


ROUND_THE_CLOCK = {weekday: ((T(0), None),) for weekday in range(7)}


# --- an office week with a lunch break ---------------------------------------------------------


def test_friday_afternoon_ticket_is_due_monday_noon():
    due = office().add_business_seconds(shanghai(2025, 3, 14, 17), 4 * HOUR)
    assert due == shanghai(2025, 3, 17, 12)
    assert due.tzinfo is UTC


def test_lunch_break_is_off_the_clock():
    calendar = office()
    assert calendar.add_business_seconds(shanghai(2025, 3, 17, 11), 2 * HOUR) == shanghai(
        2025, 3, 17, 14
    )
    assert calendar.is_working(shanghai(2025, 3, 17, 11, 59))
    assert not calendar.is_working(shanghai(2025, 3, 17, 12, 30))
    assert calendar.business_seconds_between(
        shanghai(2025, 3, 17, 11), shanghai(2025, 3, 17, 14)
    ) == (2 * HOUR)


def test_a_reply_due_at_the_end_of_the_day_is_due_then_not_next_morning():
    assert office().add_business_seconds(shanghai(2025, 3, 17, 17), HOUR) == shanghai(
        2025, 3, 17, 18
    )


def test_zero_seconds_is_the_next_working_moment():
    calendar = office()
    assert calendar.add_business_seconds(shanghai(2025, 3, 17, 10, 15), 0) == shanghai(
        2025, 3, 17, 10, 15
    )
    assert calendar.add_business_seconds(shanghai(2025, 3, 17, 12, 30), 0) == shanghai(
        2025, 3, 17, 13
    )
    assert calendar.add_business_seconds(shanghai(2025, 3, 14, 18), 0) == shanghai(2025, 3, 17, 9)


def test_a_ticket_arriving_outside_hours_starts_its_clock_at_the_next_opening():
    calendar = office()
    assert calendar.add_business_seconds(shanghai(2025, 3, 17, 7), HOUR) == shanghai(
        2025, 3, 17, 10
    )
    assert calendar.add_business_seconds(shanghai(2025, 3, 15, 10), HOUR) == shanghai(
        2025, 3, 17, 10
    )
    assert calendar.add_business_seconds(shanghai(2025, 3, 17, 22), 30 * 60) == shanghai(
        2025, 3, 18, 9, 30
    )


def test_moments_in_other_zones_are_the_same_real_moments():
    start = shanghai(2025, 3, 14, 17).astimezone(NEW_YORK)
    assert office().add_business_seconds(start, 4 * HOUR) == shanghai(2025, 3, 17, 12)


# --- China's holidays and make-up working days --------------------------------------------------


def test_chinese_calendar_has_national_day_2025_as_announced():
    """The assertions below rely on this data: Oct 1–8 off, Sun Sep 28 and Sat Oct 11 worked."""
    october = [datetime.date(2025, 10, day) for day in range(1, 12)]
    assert [day.day for day in october if not chinese_calendar.is_workday(day)] == list(range(1, 9))
    assert chinese_calendar.is_workday(datetime.date(2025, 9, 28))
    assert chinese_calendar.is_workday(datetime.date(2025, 10, 11))


def test_national_day_2025_stops_the_clock_and_make_up_days_run_it():
    calendar = office()
    assert calendar.add_business_seconds(shanghai(2025, 9, 30, 17), 2 * HOUR) == shanghai(
        2025, 10, 9, 10
    )
    assert [calendar.is_working_day(datetime.date(2025, 10, day)) for day in range(1, 12)] == [
        False, False, False, False, False, False, False, False, True, True, True,
    ]  # fmt: skip
    # The make-up Sunday and Saturday keep a normal workday's hours, lunch break included.
    assert calendar.day_periods(datetime.date(2025, 9, 28)) == default_hours()[0]
    assert calendar.is_working(shanghai(2025, 9, 28, 10))
    assert not calendar.is_working(shanghai(2025, 10, 11, 12, 30))
    assert calendar.business_seconds_between(
        shanghai(2025, 9, 27, 0), shanghai(2025, 10, 12, 0)
    ) == (
        # Sep 28, 29, 30, Oct 9, 10, 11
        6 * 8 * HOUR
    )


def test_spring_festival_2026():
    assert chinese_calendar.get_holiday_detail(datetime.date(2026, 2, 15)) == (
        True,
        "Spring Festival",
    )
    calendar = office()
    # Saturday Feb 14 is a make-up working day, then Feb 15–23 are off.
    assert calendar.add_business_seconds(shanghai(2026, 2, 13, 17), 2 * HOUR) == shanghai(
        2026, 2, 14, 10
    )
    assert calendar.add_business_seconds(shanghai(2026, 2, 14, 17), 2 * HOUR) == shanghai(
        2026, 2, 24, 10
    )


def test_a_year_without_holiday_data_falls_back_to_the_weekly_pattern():
    calendar = office()
    assert calendar.missing_holiday_years([2003, 2025, 2026, 2040, 2040]) == [2003, 2040]
    # 1 October 2040 is a Monday: without data it is an ordinary working day.
    assert calendar.is_working(shanghai(2040, 10, 1, 10))
    assert not calendar.is_working_day(datetime.date(2040, 10, 6))
    assert calendar.add_business_seconds(shanghai(2040, 9, 28, 17), 2 * HOUR) == shanghai(
        2040, 10, 1, 10
    )


def test_without_china_holidays_national_day_is_an_ordinary_week():
    calendar = office(china_holidays=False)
    assert calendar.is_working(shanghai(2025, 10, 1, 10))
    assert not calendar.is_working(shanghai(2025, 9, 28, 10))
    assert calendar.missing_holiday_years([2003, 2040]) == []


def test_china_holidays_do_not_take_away_a_teams_ordinary_weekends():
    hours = dict(default_hours())
    hours[5] = ((T(10), T(14)),)
    calendar = WorkingCalendar("Asia/Shanghai", hours)
    assert calendar.is_working(shanghai(2025, 3, 15, 11))
    assert not calendar.is_working(shanghai(2025, 10, 4, 11))  # a Saturday in National Day
    # A make-up Saturday is a full workday, not the team's short Saturday.
    assert calendar.is_working(shanghai(2025, 10, 11, 16))


# --- the admin's own days -------------------------------------------------------------------


def test_admin_holiday_stops_the_clock():
    calendar = office(holidays=frozenset({datetime.date(2025, 3, 17)}))
    assert calendar.add_business_seconds(shanghai(2025, 3, 14, 17), 4 * HOUR) == shanghai(
        2025, 3, 18, 12
    )
    assert not office(holidays=frozenset({datetime.date(2025, 9, 28)})).is_working(
        shanghai(2025, 9, 28, 10)
    )


def test_admin_extra_workday_runs_the_clock_with_a_normal_workdays_hours():
    calendar = office(workdays=frozenset({datetime.date(2025, 3, 15), datetime.date(2025, 10, 2)}))
    assert calendar.add_business_seconds(shanghai(2025, 3, 14, 17), 4 * HOUR) == shanghai(
        2025, 3, 15, 12
    )
    assert calendar.day_periods(datetime.date(2025, 3, 15)) == default_hours()[0]
    assert calendar.is_working(shanghai(2025, 10, 2, 10))  # over China's public holiday
    assert not calendar.is_working(shanghai(2025, 10, 3, 10))


def test_admin_holiday_wins_over_admin_workday():
    day = datetime.date(2025, 3, 15)
    calendar = office(holidays=frozenset({day}), workdays=frozenset({day}))
    assert not calendar.is_working_day(day)


# --- time zones and DST ---------------------------------------------------------------------


def test_round_the_clock_days_last_23_and_25_real_hours_when_berlin_changes_clocks():
    calendar = WorkingCalendar("Europe/Berlin", ROUND_THE_CLOCK, china_holidays=False)
    for day, hours in [((2025, 3, 30), 23), ((2025, 10, 26), 25), ((2025, 10, 19), 24)]:
        start = berlin(*day)
        end = berlin(*day) + datetime.timedelta(days=1)
        assert calendar.business_seconds_between(start, end) == hours * HOUR
    assert calendar.add_business_seconds(berlin(2025, 3, 30), 3 * HOUR) == berlin(2025, 3, 30, 4)
    # 02:00 for the second time, which Python compares only in UTC (PEP 495)
    assert calendar.add_business_seconds(berlin(2025, 10, 26), 3 * HOUR) == berlin(
        2025, 10, 26, 2, fold=1
    ).astimezone(UTC)


def test_a_sunday_night_shift_across_the_clock_change_counts_real_hours():
    calendar = WorkingCalendar("Europe/Berlin", {6: ((T(1), T(4)),)}, china_holidays=False)

    def sunday(year, month, day):
        return calendar.business_seconds_between(
            berlin(year, month, day), berlin(year, month, day, 12)
        )

    assert sunday(2026, 3, 22) == 3 * HOUR
    assert sunday(2026, 3, 29) == 2 * HOUR
    assert sunday(2026, 10, 25) == 4 * HOUR
    assert calendar.add_business_seconds(berlin(2026, 3, 29), 2 * HOUR) == berlin(2026, 3, 29, 4)
    assert calendar.add_business_seconds(berlin(2026, 10, 25), 2 * HOUR) == berlin(
        2026, 10, 25, 2, fold=1
    ).astimezone(UTC)


def test_periods_touching_the_skipped_hour_start_or_end_when_the_clock_jumps():
    def worked(start, end):
        calendar = WorkingCalendar("Europe/Berlin", {6: ((start, end),)}, china_holidays=False)
        return calendar.business_seconds_between(berlin(2025, 3, 30), berlin(2025, 3, 31))

    assert worked(T(2, 30), T(4)) == HOUR
    assert worked(T(1), T(2, 30)) == HOUR
    assert worked(T(2), T(2, 30)) == 0
    assert WorkingCalendar(
        "Europe/Berlin", {6: ((T(2, 30), T(4)),)}, china_holidays=False
    ).add_business_seconds(berlin(2025, 3, 30), 0) == berlin(2025, 3, 30, 3)


# --- refusing what cannot work ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (
            {0: ((T(9), T(12)), (T(11), T(14)))},
            "Monday: the periods 09:00–12:00 and 11:00–14:00 overlap",
        ),
        ({1: ((T(13), T(18)), (T(9), T(12)))}, "Tuesday: the periods are not in order"),
        ({2: ((T(9), T(9)),)}, "Wednesday: the period 09:00–09:00 is empty"),
        ({3: ((T(22), T(2)),)}, "cannot run past midnight"),
        ({4: ((T(0), T(0)),)}, "is empty"),
        ({6: ((T(20), None), (T(22), T(23)))}, "comes after one that ends at 24:00"),
        ({7: ((T(9), T(12)),)}, "use 0 (Monday) to 6 (Sunday)"),
    ],
)
def test_validate_hours_refuses_overlapping_unsorted_or_empty_periods(hours, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_hours(hours)
    with pytest.raises(ValueError):
        WorkingCalendar("Asia/Shanghai", hours)


def test_validate_hours_accepts_adjacent_periods_and_a_day_ending_at_midnight():
    validate_hours({0: ((T(0), T(9)), (T(9), None)), 5: ()})
    validate_hours(default_hours())


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="not a known time zone"):
        WorkingCalendar("Asia/Peking", default_hours())


def test_a_calendar_without_any_hours_cannot_set_due_times():
    calendar = WorkingCalendar(
        "Asia/Shanghai", {}, workdays=frozenset({datetime.date(2025, 3, 15)})
    )
    with pytest.raises(ValueError, match="no working hours"):
        calendar.add_business_seconds(shanghai(2025, 3, 14, 17), HOUR)
    assert calendar.business_seconds_between(shanghai(2025, 1, 1, 0), shanghai(2026, 1, 1, 0)) == 0


def test_years_of_days_off_end_the_walk_with_an_error():
    first = datetime.date(2025, 3, 17)
    off = frozenset(first + datetime.timedelta(days=n) for n in range(4 * 366))
    with pytest.raises(ValueError, match="more than 1098 days after"):
        office(holidays=off).add_business_seconds(shanghai(2025, 3, 17, 10), HOUR)


def test_naive_datetimes_and_negative_durations_are_refused():
    calendar = office()
    with pytest.raises(ValueError, match="aware"):
        calendar.add_business_seconds(datetime.datetime(2025, 3, 17, 10), HOUR)
    with pytest.raises(ValueError, match="aware"):
        calendar.is_working(datetime.datetime(2025, 3, 17, 10))
    with pytest.raises(ValueError, match="negative"):
        calendar.add_business_seconds(shanghai(2025, 3, 17, 10), -1)


def test_zero_seconds_after_a_due_time_at_closing_moves_on_to_the_next_opening():
    """Why additivity needs b > 0: a due time may be a period's end, which is not itself working
    time, so adding nothing to it moves on to the next opening."""
    calendar = office()
    due = calendar.add_business_seconds(shanghai(2025, 3, 14, 17), HOUR)
    assert due == shanghai(2025, 3, 14, 18)
    assert calendar.add_business_seconds(due, 0) == shanghai(2025, 3, 17, 9)


# --- properties ---------------------------------------------------------------------------


CALENDARS = [
    office(
        holidays=frozenset({datetime.date(2025, 3, 17), datetime.date(2028, 6, 1)}),
        workdays=frozenset({datetime.date(2024, 6, 8), datetime.date(2029, 12, 29)}),
    ),
    # weekend shifts in Berlin, including Sunday round the clock across both DST changes
    WorkingCalendar(
        "Europe/Berlin",
        {
            **{weekday: ((T(8), T(12)), (T(13), T(17))) for weekday in range(5)},
            5: ((T(1), T(4)), (T(22), None)),
            6: ((T(0), None),),
        },
        china_holidays=False,
    ),
    # a night desk whose first period ends inside New York's skipped hour
    WorkingCalendar(
        "America/New_York",
        {weekday: ((T(0), T(2, 30)), (T(20), None)) for weekday in range(6)},
        china_holidays=False,
    ),
]

_zones = st.sampled_from([UTC, SHANGHAI, BERLIN, NEW_YORK])
_any_moment = st.datetimes(
    min_value=datetime.datetime(2024, 1, 1),
    max_value=datetime.datetime(2031, 12, 31),
    timezones=_zones,
    allow_imaginary=False,
)
starts = st.one_of(
    _any_moment, _any_moment.map(lambda moment: moment.replace(minute=0, second=0, microsecond=0))
)
calendars = st.sampled_from(CALENDARS)


def durations(max_hours=200):
    return st.one_of(
        st.integers(0, max_hours * HOUR), st.integers(0, max_hours).map(lambda hours: hours * HOUR)
    )


@settings(max_examples=150, database=None)
@given(calendars, starts, durations())
def test_the_clock_runs_right_up_to_the_due_time(calendar, start, seconds):
    """Invariant: for seconds > 0 the instant just before the due time is working time (so the
    due time is working time or a period's end); for 0 it is the first working moment."""
    due = calendar.add_business_seconds(start, seconds)
    assert due.tzinfo is UTC
    assert due >= start
    if seconds > 0:
        assert calendar.is_working(due - datetime.timedelta(microseconds=1))
    else:
        assert calendar.is_working(due)
        assert due == start or not calendar.is_working(due - datetime.timedelta(microseconds=1))


@settings(max_examples=150, database=None)
@given(calendars, starts, durations())
def test_elapsed_working_time_to_the_due_time_is_the_duration(calendar, start, seconds):
    due = calendar.add_business_seconds(start, seconds)
    assert calendar.business_seconds_between(start, due) == seconds


@settings(max_examples=150, database=None)
@given(calendars, starts, durations(), durations())
def test_a_longer_duration_is_never_due_earlier(calendar, start, first, second):
    shorter, longer = sorted((first, second))
    assert calendar.add_business_seconds(start, shorter) <= calendar.add_business_seconds(
        start, longer
    )


@settings(max_examples=150, database=None)
@given(calendars, starts, durations(100), durations(100).filter(lambda seconds: seconds > 0))
def test_durations_add_up(calendar, start, first, second):
    step = calendar.add_business_seconds(start, first)
    assert calendar.add_business_seconds(step, second) == calendar.add_business_seconds(
        start, first + second
    )
