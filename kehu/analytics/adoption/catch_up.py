"""The catch-up: a day's adoption rows recomputed from the tables, for what the events missed
(writes made past the services, such as data fixes and migrations; a task done, then handed to
another owner; the days before adoption was recorded). Idempotent: run twice, it writes the
same rows. The worker runs it each night for the two days before (`tasks.catch_up_adoption`);
`kehu manage rebuild_adoption` runs it over any range, e.g. since go-live.

What is recomputed is what the events count (`subscriptions`, decision 0035); `seen` and
`logins` are kept as the live requests wrote them, as no table holds them (a user's last sign-in
is the one exception: its day gets at least one login).
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from kehu.analytics.adoption.models import COUNTERS, KIND_COUNTERS, AdoptionDay
from kehu.analytics.adoption.recording import zone_of
from kehu.analytics.metrics.trunc import LocalTrunc

log = logging.getLogger(__name__)

#: days recomputed per pass (bounds the rows held in memory) and users per IN list
DAYS_PER_PASS = 31
USERS_PER_PASS = 500
#: a pass that loses a race with a live write starts over this many times
TRIES = 3

Key = tuple[int, datetime.date]


def record_models() -> list[Any]:
    from kehu.customers.models import Company, Person
    from kehu.sales.models import Deal, Lead

    return [Person, Company, Lead, Deal]


def rebuild(
    first: datetime.date, last: datetime.date, user_ids: Iterable[int] | None = None
) -> int:
    """Recompute the adoption rows of the days `first`…`last` (inclusive) of every user (or of
    `user_ids`), each in their own time zone; returns how many rows were written."""
    from kehu.accounts.models import User

    if last < first:
        return 0
    users = User.objects.all()
    if user_ids is not None:
        users = users.filter(pk__in=list(user_ids))
    by_zone: dict[str, list[Any]] = defaultdict(list)
    for user in users.only("pk", "time_zone", "last_login").order_by("pk"):
        by_zone[str(zone_of(user))].append(user)
    written = 0
    for zone_name, members in sorted(by_zone.items()):
        for chunk in _chunks(members, USERS_PER_PASS):
            for start, end in _day_ranges(first, last):
                written += _rebuild_pass(chunk, zone_name, start, end)
    return written


def catch_up_recent_days(today: datetime.date | None = None) -> int:
    """The nightly run: the two days before today (the instance's day), so that users whose
    time zone is behind it have their whole yesterday counted the night after."""
    today = today or timezone.localdate()
    return rebuild(today - datetime.timedelta(days=2), today - datetime.timedelta(days=1))


def schedule_next() -> None:
    """Queue the next nightly catch-up, unless one is queued already (the database queue)."""
    from kehu.analytics.adoption.tasks import catch_up_adoption
    from kehu.core.schedule import enqueue_once, next_daily_run

    enqueue_once(catch_up_adoption, next_daily_run())


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _day_ranges(first: datetime.date, last: datetime.date) -> Iterator[tuple[Any, Any]]:
    start = first
    while start <= last:
        end = min(last, start + datetime.timedelta(days=DAYS_PER_PASS - 1))
        yield start, end
        start = end + datetime.timedelta(days=1)


def _rebuild_pass(
    users: list[Any], zone_name: str, first: datetime.date, last: datetime.date
) -> int:
    zone = zone_of(users[0])
    since = datetime.datetime.combine(first, datetime.time(0), tzinfo=zone)
    until = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
    )
    ids = [u.pk for u in users]
    counts = counts_from_tables(ids, zone, since, until)
    logged_in: set[Key] = set()
    for user in users:
        if user.last_login and since <= user.last_login < until:
            logged_in.add((user.pk, timezone.localtime(user.last_login, zone).date()))
    for _try in range(TRIES):
        try:
            with transaction.atomic():
                return _write(ids, first, last, counts, logged_in)
        except IntegrityError:
            continue  # a live write made one of the rows meanwhile: read them again
    raise RuntimeError(f"could not rebuild adoption of {first}…{last}")


def counts_from_tables(
    ids: list[int], zone: Any, since: datetime.datetime, until: datetime.datetime
) -> dict[Key, dict[str, int]]:
    """Each (user, day)'s counters as the tables tell them, for the users `ids` whose time zone
    is `zone`, from `since` to `until`. Binned records and activities count: what was done
    that day was done."""
    from kehu.activities.models import Activity
    from kehu.core.models import AuditEntry

    counts: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    models = record_models()
    for model in models:
        rows = (
            model.all_objects.filter(
                created_by_id__in=ids, created_at__gte=since, created_at__lt=until
            )
            .annotate(d=LocalTrunc("created_at", "day", tzinfo=zone))
            .order_by()
            .values_list("created_by_id", "d")
            .annotate(n=Count("id"))
        )
        for user_id, day, n in rows:
            counts[(user_id, day.date())]["records_created"] += n
    record_types = set(ContentType.objects.get_for_models(*models).values())
    activity_type = ContentType.objects.get_for_model(Activity)
    audited = (
        AuditEntry.objects.filter(
            actor_id__in=ids,
            at__gte=since,
            at__lt=until,
            content_type_id__in=[t.pk for t in (*record_types, activity_type)],
        )
        .annotate(d=LocalTrunc("at", "day", tzinfo=zone))
        .order_by()
        .values_list("actor_id", "d", "content_type_id", "action")
        .annotate(n=Count("id"))
    )
    record_type_ids = {t.pk for t in record_types}
    for user_id, day, type_id, action, n in audited:
        row = counts[(user_id, day.date())]
        row["actions"] += n
        if action == AuditEntry.Action.UPDATE and type_id in record_type_ids:
            row["records_updated"] += n
    logged = (
        Activity.all_objects.filter(
            created_by_id__in=ids, created_at__gte=since, created_at__lt=until
        )
        .annotate(d=LocalTrunc("created_at", "day", tzinfo=zone))
        .order_by()
        .values_list("created_by_id", "d", "kind")
        .annotate(n=Count("id"))
    )
    for user_id, day, kind, n in logged:
        if kind in KIND_COUNTERS:
            counts[(user_id, day.date())][KIND_COUNTERS[kind]] += n
    on_time = Q(due_at__isnull=True) | Q(done_at__lte=F("due_at"))
    done = (
        Activity.all_objects.filter(
            kind=Activity.Kind.TASK, owner_id__in=ids, done_at__gte=since, done_at__lt=until
        )
        .annotate(d=LocalTrunc("done_at", "day", tzinfo=zone))
        .order_by()
        .values_list("owner_id", "d")
        .annotate(n=Count("id"), on_time=Count("id", filter=on_time))
    )
    for user_id, moment, n, n_on_time in done:
        day = moment.date()
        counts[(user_id, day)]["tasks_done"] += n
        counts[(user_id, day)]["tasks_done_on_time"] += n_on_time
    return counts


def _write(
    ids: list[int],
    first: datetime.date,
    last: datetime.date,
    counts: dict[Key, dict[str, int]],
    logged_in: set[Key],
) -> int:
    existing = {
        (row.user_id, row.day): row
        for row in AdoptionDay.objects.select_for_update().filter(
            user_id__in=ids, day__gte=first, day__lte=last
        )
    }
    changed: list[AdoptionDay] = []
    new: list[AdoptionDay] = []
    for key in set(existing) | set(counts) | logged_in:
        values = counts.get(key) or dict.fromkeys(COUNTERS, 0)
        row = existing.get(key) or AdoptionDay(user_id=key[0], day=key[1])
        for name in COUNTERS:
            setattr(row, name, values[name])
        if key in logged_in and not row.logins:
            row.logins, row.seen = 1, True
        row.active = row.seen or bool(row.logins) or any(values.values())
        (changed if row.pk else new).append(row)
    fields = [*COUNTERS, "active", "seen", "logins"]
    AdoptionDay.objects.bulk_update(changed, fields, batch_size=500)
    AdoptionDay.objects.bulk_create(new, batch_size=500)
    return len(changed) + len(new)
