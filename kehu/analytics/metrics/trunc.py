"""`LocalTrunc`: Django's `Trunc` of a moment to its day, week, month, quarter or year in a
time zone, computed by SQLite itself instead of a Python function per row.

On SQLite, Django truncates a moment in a time zone with `django_datetime_trunc`, a Python
function called once per row (about 30 µs): a report grouping 1M rows by month spent 30 s in
it. SQLite's own `strftime` does the same in C when it is given the zone's offset, and a zone's
offset only changes at its transitions (none at all for Asia/Shanghai since 1991; two a year
where daylight saving is kept). `LocalTrunc` adds the offset that applies to each row (a CASE
over the zone's transitions between 2000 and ten years from now, newest first) and falls back
to Django's function outside that window. The result is the same text Django's function
returns, so the value read back is identical; PostgreSQL keeps Django's own SQL.
(tests/analytics/test_local_trunc.py compares both, around daylight-saving changes too.)
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo
from typing import Any

from django.db.models import DateTimeField
from django.db.models.functions import Trunc

#: the kinds SQLite computes natively (hour, minute and second keep Django's function)
NATIVE = {
    "day": "strftime('%%Y-%%m-%%d 00:00:00', {x})",
    "week": "strftime('%%Y-%%m-%%d 00:00:00', {x}, '-6 days', 'weekday 1')",
    "month": "strftime('%%Y-%%m-01 00:00:00', {x})",
    "year": "strftime('%%Y-01-01 00:00:00', {x})",
    "quarter": (
        "(strftime('%%Y-', {x}) || printf('%%02d', "
        "((CAST(strftime('%%m', {x}) AS INTEGER) - 1) / 3) * 3 + 1) || '-01 00:00:00')"
    ),
}
WINDOW_START = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
WINDOW_YEARS_AHEAD = 10
_FORMAT = "%Y-%m-%d %H:%M:%S"


def _offset_seconds(zone: Any, moment: datetime.datetime) -> int:
    offset = moment.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@functools.lru_cache(maxsize=64)
def transitions(
    zone_key: str, start: datetime.datetime, end: datetime.datetime
) -> tuple[int, list[tuple[datetime.datetime, int]]]:
    """(offset at `start`, [(UTC moment, offset in seconds from then on)]) of the zone named
    `zone_key` between `start` and `end`."""
    zone = zoneinfo.ZoneInfo(zone_key)
    first = _offset_seconds(zone, start)
    found: list[tuple[datetime.datetime, int]] = []
    step = datetime.timedelta(hours=6)
    moment, current = start, first
    while moment < end:
        nxt = moment + step
        offset = _offset_seconds(zone, nxt)
        if offset != current:
            low, high = moment, nxt  # the change is in (low, high]: find its second
            while high - low > datetime.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset_seconds(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            changed = high.replace(microsecond=0)
            if _offset_seconds(zone, changed) != offset:
                changed += datetime.timedelta(seconds=1)
            found.append((changed, offset))
            current = offset
        moment = nxt
    return first, found


def _window() -> tuple[datetime.datetime, datetime.datetime]:
    today = datetime.datetime.now(datetime.UTC).replace(
        month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return WINDOW_START, today.replace(year=today.year + WINDOW_YEARS_AHEAD)


class LocalTrunc(Trunc):
    """`Trunc(expression, kind, tzinfo=zone)`, the same value, without a Python call per row on
    SQLite (module docstring)."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        fallback_sql, fallback_params = self.as_sql(compiler, connection, **extra)
        zone_key = getattr(self.tzinfo, "key", None)
        if (
            self.kind not in NATIVE
            or not isinstance(self.output_field, DateTimeField)
            or not isinstance(self.lhs.output_field, DateTimeField)
            or self.tzinfo is None
            or zone_key is None
        ):
            return fallback_sql, tuple(fallback_params)
        start, end = _window()
        first, changes = transitions(zone_key, start, end)
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        lhs_params = list(lhs_params)
        if changes:
            whens, params = [], []
            for moment, offset in reversed(changes):  # newest first: most rows are recent
                whens.append(f"WHEN {lhs_sql} >= %s THEN %s")
                params += [*lhs_params, moment.strftime(_FORMAT), f"{offset:+d} seconds"]
            offset_sql = f"(CASE {' '.join(whens)} ELSE %s END)"
            offset_params = [*params, f"{first:+d} seconds"]
        else:
            offset_sql, offset_params = "%s", [f"{first:+d} seconds"]
        shifted = f"{lhs_sql}, {offset_sql}"
        shifted_params = [*lhs_params, *offset_params]
        template = NATIVE[self.kind]
        native_sql = template.format(x=shifted)
        native_params = shifted_params * template.count("{x}")
        sql = (
            f"(CASE WHEN {lhs_sql} >= %s AND {lhs_sql} < %s THEN {native_sql} "
            f"ELSE {fallback_sql} END)"
        )
        params = [
            *lhs_params, start.strftime(_FORMAT), *lhs_params, end.strftime(_FORMAT),
            *native_params, *fallback_params,
        ]  # fmt: skip
        return sql, tuple(params)
