"""When a repeating task comes next, and for whom: a done task with `repeat` set makes its
next occurrence (`kehu.activities.services.complete_task`) at the same wall-clock time in its
owner's zone."""

import calendar
import datetime
import zoneinfo
from typing import Any

from dateutil import rrule
from django.utils import timezone

from kehu.accounts.models import User
from kehu.activities.models import Activity
from kehu.core import visibility


def _zone(name: str) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def next_due(
    due: datetime.datetime, repeat: str, zone: str, day: int | None = None
) -> datetime.datetime:
    """The next occurrence at the same wall-clock time in the owner's zone (09:00 stays 09:00
    across a daylight-saving change); monthly: on `day` (the series' day of the month, else
    `due`'s own), or the month's last day when it is shorter."""
    tz = _zone(zone)
    local = due.astimezone(tz).replace(tzinfo=None)  # the rule runs on the wall clock
    if repeat == Activity.Repeat.MONTHLY:
        # from this month's first: this month's occurrence, then the next month's, on `day`
        # or, when the month is shorter, on its last day (the first of the two in the month)
        rule = rrule.rrule(
            rrule.MONTHLY,
            dtstart=local.replace(day=1),
            bymonthday=(day or local.day, -1),
            bysetpos=1,
            count=2,
        )
    elif repeat == Activity.Repeat.DAILY:
        rule = rrule.rrule(rrule.DAILY, dtstart=local, count=2)
    else:
        rule = rrule.rrule(rrule.WEEKLY, dtstart=local, count=2)
    following = rule[1].replace(microsecond=local.microsecond)  # rrule drops microseconds
    return following.replace(tzinfo=tz)


def series_day(task: Activity, zone: str) -> int:
    """The day of the month a monthly task's series is on. Its due day, unless that is a
    short month's last day standing in for a later one (28 February for the 31st): then the
    day the occurrence was made with (`repeat_day`). A task moved to another day since
    starts its series there (the kept day no longer matches its due day)."""
    assert task.due_at is not None  # only a task with a due time repeats
    local = task.due_at.astimezone(_zone(zone))
    last = calendar.monthrange(local.year, local.month)[1]
    kept = task.repeat_day
    if local.day == last and kept and local.day < kept <= 31:
        return kept
    return local.day


def next_owner(actor: User, task: Activity, record: Any) -> User:
    """Who the next occurrence is for: the task's owner, or whoever completed it when the
    owner can no longer take it (left, or lost the record)."""
    owner = task.owner
    if (
        owner.is_active
        and visibility.can(owner, record.module, "read")
        and visibility.in_scope(owner, record)
    ):
        return owner
    return actor
