"""Counting the rows: one grouped query over the people, the rows replaced in one transaction.

A full count rather than deltas from each write: the writes that change these counts come
through many doors (forms, the API, imports, merges, bulk edits, a company binned that unlinks
its people, data fixes past the services), and a count that drifts is worse than one a minute
old. At a million people the count is one scan (about 0.5 s on PostgreSQL, 1 s on SQLite),
run in the worker a minute after a change (`schedule_refresh`) and each night.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.db import transaction
from django.db.models import Count, Min, Q, Sum
from django.utils import timezone

from kehu.analytics.data_quality.models import PeopleQuality
from kehu.core import visibility

#: how long after a change to people the counts are refreshed (changes meanwhile share the run)
REFRESH_AFTER = datetime.timedelta(minutes=1)

_last_queued = 0.0  # this process's last queued refresh (monotonic): spares the queue a lookup


def rebuild() -> int:
    """Count every owner's live people again; returns the number of owners with people."""
    from kehu.customers.models import Person

    counts = (
        Person.objects.order_by()
        .values("owner_id")
        .annotate(
            people=Count("id"),
            without_contact=Count("id", filter=Q(phone="", email="")),
            without_company=Count("id", filter=Q(company__isnull=True)),
        )
    )
    now = timezone.now()
    rows = [PeopleQuality(counted_at=now, **row) for row in counts]
    with transaction.atomic():
        PeopleQuality.objects.all().delete()
        PeopleQuality.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def totals_for(user: Any) -> dict[str, Any]:
    """The counts over the people `user` may see: `total`, `no_contact`, `no_company`,
    `no_owner` (people whose owner is deactivated) and `as_of` (the oldest count summed)."""
    rows = visibility.filter_visible(PeopleQuality.objects.all(), user).order_by()
    found = rows.aggregate(
        total=Sum("people"),
        no_contact=Sum("without_contact"),
        no_company=Sum("without_company"),
        no_owner=Sum("people", filter=Q(owner__is_active=False)),
        as_of=Min("counted_at"),
    )
    return {k: (v if k == "as_of" else v or 0) for k, v in found.items()}


def schedule_refresh() -> None:
    """After a change to people commits: queue a refresh REFRESH_AFTER from now, unless one is
    waiting already. A backend that cannot defer (the tests') runs it at once."""
    global _last_queued
    from kehu.analytics.data_quality.tasks import refresh_data_quality
    from kehu.core.schedule import enqueue_once

    if not refresh_data_quality.get_backend().supports_defer:
        refresh_data_quality.enqueue()
        return
    now = time.monotonic()
    if now - _last_queued < REFRESH_AFTER.total_seconds():
        return  # this process queued one that has not run yet, or has only just run
    enqueue_once(refresh_data_quality, timezone.now() + REFRESH_AFTER)
    _last_queued = now


def schedule_nightly() -> None:
    """Queue the next nightly count (at KEHU_DAILY_HOUR), unless one is queued already."""
    from kehu.analytics.data_quality.tasks import count_data_quality_nightly
    from kehu.core.schedule import enqueue_once, next_daily_run

    enqueue_once(count_data_quality_nightly, next_daily_run())
