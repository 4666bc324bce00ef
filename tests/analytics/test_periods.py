"""The periods a metric is read over: which days "this quarter" or "last month" mean, and the
period before each (for growth)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from kehu.analytics.metrics.periods import Period, period

D = datetime.date
TODAY = D(2026, 2, 15)


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        ("this_month", D(2026, 2, 1), D(2026, 2, 28)),
        ("last_month", D(2026, 1, 1), D(2026, 1, 31)),
        ("this_quarter", D(2026, 1, 1), D(2026, 3, 31)),
        ("last_quarter", D(2025, 10, 1), D(2025, 12, 31)),
        ("this_year", D(2026, 1, 1), D(2026, 12, 31)),
        ("last_year", D(2025, 1, 1), D(2025, 12, 31)),
        (None, D(2026, 2, 1), D(2026, 2, 28)),
    ],
)
def test_named_periods(kind, start, end):
    found = period(kind, TODAY)
    assert (found.start, found.end) == (start, end)


@pytest.mark.parametrize(
    ("given", "before"),
    [
        (Period("this_month", D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 2, 1), D(2026, 2, 28))),
        (Period("this_quarter", D(2026, 1, 1), D(2026, 3, 31)), (D(2025, 10, 1), D(2025, 12, 31))),
        (Period("last_year", D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31))),
        (Period("custom", D(2026, 3, 10), D(2026, 3, 19)), (D(2026, 2, 28), D(2026, 3, 9))),
    ],
)
def test_the_period_before(given, before):
    previous = given.previous()
    assert (previous.start, previous.end) == before


def test_the_same_period_a_year_before():
    assert Period("custom", D(2024, 2, 29), D(2024, 3, 31)).year_before() == Period(
        "custom", D(2023, 2, 28), D(2023, 3, 31)
    )


def test_a_period_starts_at_midnight_in_the_given_zone():
    zone = datetime.timezone(datetime.timedelta(hours=8))
    start, end = Period("this_month", D(2026, 12, 1), D(2026, 12, 31)).moments(zone)
    assert start.astimezone(datetime.UTC) == datetime.datetime(
        2026, 11, 30, 16, tzinfo=datetime.UTC
    )
    assert end.astimezone(datetime.UTC) == datetime.datetime(2026, 12, 31, 16, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("kind", "start", "end", "field"),
    [
        ("next_week", None, None, "period"),
        ("custom", None, D(2026, 1, 1), "start"),
        ("custom", D(2026, 1, 2), D(2026, 1, 1), "end"),
        ("custom", D(1, 1, 1), D(2026, 1, 1), "start"),
        ("custom", D(2026, 1, 1), D(9999, 12, 31), "end"),
        ("this_year", D(2026, 1, 1), None, "start"),
    ],
)
def test_a_bad_period_names_its_parameter(kind, start, end, field):
    with pytest.raises(ValidationError) as raised:
        period(kind, TODAY, start, end)
    assert field in raised.value.message_dict
