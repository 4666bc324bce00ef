"""Writing the daily adoption rows: add to a user's counters for a day, or mark the day seen.

Both are upserts that concurrent writers (many app servers and workers, on SQLite and
PostgreSQL) may run for the same user and day at once: an UPDATE with F() increments, and when
no row is there yet an INSERT; an INSERT that loses the race to another writer's (the unique
constraint on user and day) is retried as the UPDATE. Event handlers run them inside the
emitting transaction, so a count commits or rolls back with what it counts.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kehu.analytics.adoption.models import COUNTERS, AdoptionDay

if TYPE_CHECKING:
    from kehu.accounts.models import User


#: an INSERT beaten by another writer's is retried as an UPDATE; more losses than this are a bug
TRIES = 3


def zone_of(user: Any) -> zoneinfo.ZoneInfo:
    """The user's own time zone (their profile's, else the instance's): their day is theirs."""
    try:
        return zoneinfo.ZoneInfo(getattr(user, "zone", None) or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_of(user: Any, moment: datetime.datetime | None = None) -> datetime.date:
    """The day `moment` (now by default) falls on for `user`."""
    return timezone.localtime(moment or timezone.now(), zone_of(user)).date()


def add(user_id: int, day: datetime.date, counts: dict[str, int], seen: bool = False) -> None:
    """Add `counts` (counter → amount, negative to take back) to the user's row for `day`,
    making it active; `seen` marks a page view or sign-in too. Counters never go below 0.
    The usual case is one UPDATE; the day's first write is an INSERT in a savepoint."""
    unknown = set(counts) - set(COUNTERS) - {"logins"}
    if unknown:
        raise ValueError(f"not adoption counters: {sorted(unknown)}")
    ups = {name: F(name) + amount for name, amount in counts.items() if amount > 0}
    downs = {name: -amount for name, amount in counts.items() if amount < 0}
    marks: dict[str, Any] = {"active": True}
    if seen:
        marks["seen"] = True
    row = AdoptionDay.objects.filter(user_id=user_id, day=day)

    def update() -> bool:
        if not row.update(**marks, **ups):
            return False
        for name, amount in downs.items():
            # one UPDATE per counter taken back, each kept at 0 or above
            row.filter(**{f"{name}__gte": amount}).update(**{name: F(name) - amount})
        return True

    if update() or (downs and not ups and not seen):
        return  # nothing to take back from a day without a row
    for _try in range(TRIES):
        try:
            with transaction.atomic():
                AdoptionDay.objects.create(
                    user_id=user_id, day=day, **marks,
                    **{name: amount for name, amount in counts.items() if amount > 0},
                )  # fmt: skip
            return
        except IntegrityError:
            if update():  # another writer made the row first: add to theirs
                return
    raise RuntimeError(f"could not record adoption of user {user_id} on {day}")


def count(user: User | None, counts: dict[str, int], day: datetime.date | None = None) -> None:
    """`add` for an event's handler, inside the emitting transaction (as `core.events` runs
    them): the counts commit, or roll back, with the write they count."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.pk:
        return
    counts = {name: amount for name, amount in counts.items() if amount}
    if counts:
        add(user.pk, day or day_of(user), counts)


def mark_seen(user: User, day: datetime.date | None = None, logins: int = 0) -> None:
    """Mark the user active and seen on `day` (today by default), adding `logins`, in a
    transaction (or savepoint) of its own: a caller may catch its errors and go on."""
    with transaction.atomic():
        add(user.pk, day or day_of(user), {"logins": logins} if logins else {}, seen=True)
