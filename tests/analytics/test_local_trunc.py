"""`LocalTrunc` gives what Django's `Trunc` gives (and what the calendar says), on SQLite where it
computes the day, week, month, quarter or year itself, and on PostgreSQL: around daylight-saving
changes, at a zone's half-hour offsets, at the ends of months and years, and outside the window
where it falls back to Django's function."""

import datetime
import zoneinfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db.models import DateTimeField, Value
from django.db.models.functions import Trunc

from kehu.analytics.metrics.trunc import LocalTrunc

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]
KINDS = ["day", "week", "month", "quarter", "year"]


def _moments() -> list[datetime.datetime]:
    """Moments next to daylight-saving changes (EU and US, 2026), month and year ends, leap
    days, and two outside the native window (1990, 2045)."""
    base = [
        datetime.datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
        datetime.datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
        datetime.datetime(2026, 10, 25, 0, 59, 59, 999999, tzinfo=UTC),
        datetime.datetime(2026, 10, 25, 1, 0, 0, tzinfo=UTC),
        datetime.datetime(2026, 3, 8, 6, 59, 59, tzinfo=UTC),
        datetime.datetime(2026, 3, 8, 7, 0, 0, tzinfo=UTC),
        datetime.datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime.datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
        datetime.datetime(2026, 4, 4, 14, 45, tzinfo=UTC),  # Lord Howe: back half an hour
        datetime.datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC),  # Shanghai's new year - 1 s
        datetime.datetime(2026, 12, 31, 16, 0, 0, tzinfo=UTC),
        datetime.datetime(2024, 2, 29, 23, 30, tzinfo=UTC),
        datetime.datetime(2026, 6, 30, 20, 15, 7, 123456, tzinfo=UTC),
        datetime.datetime(2026, 12, 6, 23, 0, tzinfo=UTC),  # a Sunday in UTC, Monday in Asia
        datetime.datetime(2000, 1, 1, 0, 0, 0, tzinfo=UTC),
        datetime.datetime(1990, 7, 1, 12, 0, tzinfo=UTC),
        datetime.datetime(2045, 7, 1, 12, 0, tzinfo=UTC),
    ]
    return base


def _by_hand(moment: datetime.datetime, kind: str, zone) -> datetime.datetime:
    local = moment.astimezone(zone).replace(tzinfo=None)
    day = local.date()
    if kind == "week":
        day -= datetime.timedelta(days=day.weekday())
    elif kind == "month":
        day = day.replace(day=1)
    elif kind == "quarter":
        day = day.replace(month=day.month - (day.month - 1) % 3, day=1)
    elif kind == "year":
        day = day.replace(month=1, day=1)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


@pytest.mark.parametrize("zone_key", ZONES)
@pytest.mark.parametrize("kind", KINDS)
def test_local_trunc_equals_django_trunc_and_the_calendar(zone_key, kind):
    zone = zoneinfo.ZoneInfo(zone_key)
    moments = _moments()
    annotations = {}
    for i, moment in enumerate(moments):
        value = Value(moment, output_field=DateTimeField())
        annotations[f"local{i}"] = LocalTrunc(value, kind, tzinfo=zone)
        annotations[f"django{i}"] = Trunc(value, kind, tzinfo=zone)
    row = ContentType.objects.order_by("pk").annotate(**annotations).values(*annotations)[0]
    for i, moment in enumerate(moments):
        expected = _by_hand(moment, kind, zone)
        assert row[f"local{i}"] == row[f"django{i}"] == expected, (moment, kind, zone_key)


def test_a_null_moment_stays_null():
    row = (
        ContentType.objects.order_by("pk")
        .annotate(
            t=LocalTrunc(
                Value(None, output_field=DateTimeField()),
                "month",
                tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"),
            )
        )
        .values("t")[0]
    )
    assert row["t"] is None
