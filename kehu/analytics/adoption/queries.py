"""What the adoption dashboard reads: per user, per team and per ISO week, and the records
neglected. Every function takes the viewer and answers only for the colleagues they may see
(`users_in_scope`: a rep themself, a manager their team, an administrator everyone) and only
from the records the viewer may see (`visible_to`), so no number names what they may not.

Behaviour per day comes from the daily rows (`AdoptionDay`); the state of records now (overdue
tasks, next steps, contact data) and the time to first touch are read from the records.
Definitions: docs/decisions/0035-adoption-rollups.md.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from kehu.analytics.adoption.models import COUNTERS, AdoptionDay
from kehu.core.access import users_in_scope
from kehu.core.pagination import MAX_LIMIT, Page, paginate

if TYPE_CHECKING:
    from kehu.accounts.models import User

#: the longest trend drawn (five years of weeks) and the most weeks in a per-user table
MAX_TREND_WEEKS = 260
MAX_TABLE_WEEKS = 53
#: the most new leads read for one median of the time to first touch (the newest first)
MAX_LEADS_FOR_MEDIAN = 5000
#: a deal or person is neglected after this many days without an activity on it
DEAL_QUIET_DAYS = 30
PERSON_QUIET_DAYS = 90
#: the activities that are a touch on a lead (as the lead score's "days without contact")
TOUCH_KINDS = ("call", "meeting", "email")
#: a lead's status while nobody has worked on it
UNTOUCHED_STATUS = "new"

#: the weekly sums read from the daily rows
WEEKLY_SUMS = ("logins", *COUNTERS)


def scope(viewer: User) -> QuerySet[User]:
    """The colleagues whose adoption `viewer` may see. Activities follow their records and
    have no role right of their own, so the role's record scope alone decides."""
    return users_in_scope(viewer, "activities")


def week_start(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s ISO week."""
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class Week:
    """One user's (or a team's, or everyone's in scope) week: active days and sums."""

    week: datetime.date  # its Monday
    active_days: int = 0
    active_users: int = 0
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(WEEKLY_SUMS, 0))

    @property
    def activities_logged(self) -> int:
        s = self.sums
        return s["calls"] + s["meetings"] + s["tasks"] + s["notes"] + s["emails"]

    def add(self, other: Week) -> None:
        self.active_days += other.active_days
        self.active_users += other.active_users
        for name in WEEKLY_SUMS:
            self.sums[name] += other.sums[name]


def _weeks_of_users(
    user_ids: Any, first: datetime.date, last: datetime.date
) -> dict[int, dict[datetime.date, Week]]:
    """{user id: {Monday: Week}} from the daily rows of `first`…`last`: one grouped query."""
    rows: Any = (
        AdoptionDay.objects.filter(user_id__in=user_ids, day__gte=first, day__lte=last)
        .annotate(week=TruncWeek("day"))
        .order_by()
        .values("user_id", "week")
        .annotate(
            active_days=Count("id", filter=Q(active=True)),
            **{f"sum_{name}": Sum(name) for name in WEEKLY_SUMS},
        )
    )
    found: dict[int, dict[datetime.date, Week]] = defaultdict(dict)
    for row in rows:
        monday = row["week"]
        if isinstance(monday, datetime.datetime):
            monday = monday.date()
        week = Week(monday, row["active_days"], int(row["active_days"] > 0))
        week.sums = {name: row[f"sum_{name}"] or 0 for name in WEEKLY_SUMS}
        found[row["user_id"]][monday] = week
    return found


def _mondays(first: datetime.date, last: datetime.date, most: int) -> list[datetime.date]:
    monday, end = week_start(first), week_start(last)
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += datetime.timedelta(days=7)
    return weeks[-most:]


@dataclass
class UserWeeks:
    user: Any
    weeks: list[Week]


def weekly_by_user(
    viewer: User, first: datetime.date, last: datetime.date | None = None
) -> list[UserWeeks]:
    """Each colleague in scope (by username) with one Week per ISO week from `first`'s to
    `last`'s (today's by default; at most MAX_TABLE_WEEKS, the latest), zeros included."""
    last = last or timezone.localdate()
    mondays = _mondays(first, last, MAX_TABLE_WEEKS)
    if not mondays:
        return []
    users = list(scope(viewer).select_related("team"))
    found = _weeks_of_users(scope(viewer).values("pk"), mondays[0], last)
    return [UserWeeks(user, [found[user.pk].get(m) or Week(m) for m in mondays]) for user in users]


@dataclass
class TeamWeeks:
    team: Any  # None: colleagues without a team
    members: int
    weeks: list[Week]  # sums over the members; active_users: members active that week

    def average_active_days(self, week: Week) -> float | None:
        return week.active_days / self.members if self.members else None


def weekly_by_team(
    viewer: User, first: datetime.date, last: datetime.date | None = None
) -> list[TeamWeeks]:
    """The same weeks summed per team of the colleagues in scope (a manager: their team)."""
    teams: dict[Any, TeamWeeks] = {}
    for row in weekly_by_user(viewer, first, last):
        team = row.user.team
        key = team.pk if team else None
        if key not in teams:
            teams[key] = TeamWeeks(team, 0, [Week(w.week) for w in row.weeks])
        teams[key].members += 1
        for total, week in zip(teams[key].weeks, row.weeks, strict=True):
            total.add(week)
    return sorted(teams.values(), key=lambda t: (t.team is None, str(t.team or "")))


def go_live(viewer: User, user_ids: Any = None) -> datetime.date | None:
    """The first day with adoption recorded for the colleagues in scope (or `user_ids` of
    them): where "since go-live" starts. None before anything was recorded."""
    ids = _ids_in_scope(viewer, user_ids)
    found = AdoptionDay.objects.filter(user_id__in=ids).aggregate(first=Min("day"))["first"]
    return found


def trend(viewer: User, since: datetime.date | None = None, user_ids: Any = None) -> list[Week]:
    """One Week per ISO week since `since` (go-live by default) to this one, summed over the
    colleagues in scope (or those of `user_ids` in it); the latest MAX_TREND_WEEKS at most."""
    ids = _ids_in_scope(viewer, user_ids)
    since = since or go_live(viewer, ids)
    if since is None:
        return []
    today = timezone.localdate()
    mondays = _mondays(since, today, MAX_TREND_WEEKS)
    if not mondays:
        return []
    totals = {m: Week(m) for m in mondays}
    for weeks in _weeks_of_users(ids, mondays[0], today).values():
        for monday, week in weeks.items():
            if monday in totals:
                totals[monday].add(week)
    return list(totals.values())


def _ids_in_scope(viewer: User, user_ids: Any = None) -> QuerySet[Any]:
    """The ids of the colleagues in scope (or of those of `user_ids` in it), as a subquery:
    an administrator's thousands of colleagues never become thousands of query parameters."""
    users = scope(viewer)
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    return users.order_by().values("pk")


# --- the state of records now -----------------------------------------------------------


@dataclass
class Share:
    """`part` of `whole` (a share is None when there is nothing to share: shown as "—")."""

    part: int = 0
    whole: int = 0

    @property
    def ratio(self) -> float | None:
        return self.part / self.whole if self.whole else None


def overdue_tasks(viewer: User) -> dict[int, int]:
    """{user id: their open tasks past their due time} for the colleagues in scope."""
    from kehu.activities.models import Activity

    rows = (
        Activity.objects.visible_to(viewer)
        .open_tasks()
        .filter(owner__in=scope(viewer), due_at__lt=timezone.now())
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def deals_with_next_step(viewer: User) -> dict[int, Share]:
    """{user id: Share of their open deals that have a next step} (its words or its due day,
    as the follow-up page's "without a next step" reads it)."""
    from kehu.sales.models import Deal

    has_next_step = ~Q(next_step="") | Q(next_step_due__isnull=False)
    rows = (
        Deal.objects.visible_to(viewer)
        .filter(owner__in=scope(viewer), closed_at__isnull=True)
        .order_by()
        .values_list("owner_id")
        .annotate(whole=Count("id"), part=Count("id", filter=has_next_step))
    )
    return {owner: Share(part, whole) for owner, whole, part in rows}


def people_with_contact_data(viewer: User) -> dict[int, Share]:
    """{user id: Share of the people they own with complete contact data}: a phone or an
    email address, and a company."""
    from kehu.customers.models import Person

    complete = (~Q(phone="") | ~Q(email="")) & Q(company__isnull=False)
    rows = (
        Person.objects.visible_to(viewer)
        .filter(owner__in=scope(viewer))
        .order_by()
        .values_list("owner_id")
        .annotate(whole=Count("id"), part=Count("id", filter=complete))
    )
    return {owner: Share(part, whole) for owner, whole, part in rows}


@dataclass
class FirstTouch:
    """The time from a lead's creation to its first touch, over the leads of a period."""

    median: datetime.timedelta | None  # over the touched leads; None when none was
    touched: int
    untouched: int  # still without a touch


def first_touch(
    viewer: User, first: datetime.date, last: datetime.date | None = None
) -> dict[int, FirstTouch]:
    """{user id: FirstTouch} of the leads created `first`…`last` (the viewer's days) that the
    colleagues in scope own. A touch is the first call, meeting or email logged on the lead,
    or the first change of its status (from "new"), whichever came first; one logged as
    happening before the lead was made counts as at once."""
    from kehu.sales.models import Lead

    last = last or timezone.localdate()
    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(first, datetime.time(0), tzinfo=zone)
    until = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(0), zone)
    leads = (
        with_first_touch(
            Lead.objects.visible_to(viewer).filter(
                owner__in=scope(viewer), created_at__gte=since, created_at__lt=until
            )
        )
        .order_by("-created_at", "-id")
        .values_list("owner_id", "created_at", "first_activity", "first_status")[
            :MAX_LEADS_FOR_MEDIAN
        ]
    )
    waits: dict[int, list[float]] = defaultdict(list)
    untouched: dict[int, int] = defaultdict(int)
    for owner, created, activity_at, status_at in leads:
        wait = seconds_to_first_touch(created, activity_at, status_at)
        if wait is None:
            untouched[owner] += 1
            continue
        waits[owner].append(wait)
    return {
        owner: FirstTouch(
            datetime.timedelta(seconds=statistics.median(waits[owner])) if waits[owner] else None,
            len(waits[owner]),
            untouched[owner],
        )
        for owner in set(waits) | set(untouched)
    }


def with_first_touch(leads: QuerySet[Any]) -> QuerySet[Any]:
    """`leads` annotated with `first_activity` (the first call, meeting or email logged on
    each) and `first_status` (the first audit entry changing its status): the two touches
    `seconds_to_first_touch` takes the earlier of. Shared with the catalogue's response time."""
    from kehu.activities.models import Activity
    from kehu.core.models import AuditEntry
    from kehu.sales.models import Lead

    lead_type = ContentType.objects.get_for_model(Lead)
    first_activity = (
        Activity.objects.filter(
            content_type=lead_type, object_id=OuterRef("pk"), kind__in=TOUCH_KINDS
        )
        .order_by("at")
        .values("at")[:1]
    )
    first_status_change = (
        AuditEntry.objects.filter(
            content_type=lead_type,
            object_id=OuterRef("pk"),
            action=AuditEntry.Action.UPDATE,
            changes__has_key="status",
        )
        .order_by("at")
        .values("at")[:1]
    )
    return leads.annotate(
        first_activity=Subquery(first_activity), first_status=Subquery(first_status_change)
    )


def seconds_to_first_touch(
    created: datetime.datetime,
    activity_at: datetime.datetime | None,
    status_at: datetime.datetime | None,
) -> float | None:
    """Seconds from a lead's creation to its first touch (0 for one logged as before it was
    made); None while it has none."""
    touches = [t for t in (activity_at, status_at) if t is not None]
    if not touches:
        return None
    return max(0.0, (min(touches) - created).total_seconds())


# --- neglected records ------------------------------------------------------------------


def neglected_deals(
    viewer: User, cursor: str | None = None, limit: int = 50, owner_id: int | None = None
) -> Page:
    """Open deals of the colleagues in scope with no activity logged on them in the last
    DEAL_QUIET_DAYS days (nor made since), longest unchanged first, a page at a time."""
    from kehu.sales.models import Deal

    cutoff = timezone.now() - datetime.timedelta(days=DEAL_QUIET_DAYS)
    deals = Deal.objects.visible_to(viewer).filter(
        owner__in=scope(viewer), closed_at__isnull=True, created_at__lt=cutoff
    )
    return _neglected(deals, cutoff, cursor, limit, owner_id)


def neglected_people(
    viewer: User, cursor: str | None = None, limit: int = 50, owner_id: int | None = None
) -> Page:
    """People the colleagues in scope own with no activity logged on them in the last
    PERSON_QUIET_DAYS days (nor made since), longest unchanged first, a page at a time."""
    from kehu.customers.models import Person

    cutoff = timezone.now() - datetime.timedelta(days=PERSON_QUIET_DAYS)
    people = Person.objects.visible_to(viewer).filter(
        owner__in=scope(viewer), created_at__lt=cutoff
    )
    return _neglected(people, cutoff, cursor, limit, owner_id)


def _neglected(
    records: QuerySet[Any],
    cutoff: datetime.datetime,
    cursor: str | None,
    limit: int,
    owner_id: int | None,
) -> Page:
    from kehu.activities.models import Activity

    if owner_id is not None:
        records = records.filter(owner_id=owner_id)
    recent = Activity.objects.filter(
        content_type=ContentType.objects.get_for_model(records.model),
        object_id=OuterRef("pk"),
        at__gte=cutoff,
    )
    quiet = records.filter(~Exists(recent)).select_related("owner")
    return paginate(quiet, "updated_at", cursor, max(1, min(int(limit), MAX_LIMIT)))
