"""What a calendar shows: a user's meetings (owned or attended) and tasks (by due time) in a
bounded time range, read with a fixed number of indexed queries.

The calendar page, the iCalendar feed and the invitations read from here. Whose calendar may be
looked at follows the "owner in my scope" rule of the other per-owner pages (My pipeline): a
rep sees their own, a manager their team's, an administrator anyone's — and only the activities
the viewer may see (`Activity.objects.visible_to`).
"""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kehu.accounts.models import User
from kehu.activities.models import Activity, ActivityQuerySet
from kehu.core import audit, events
from kehu.core.access import users_in_scope
from kehu.core.unavailable import write_if_free

if TYPE_CHECKING:
    from kehu.activities.models import CalendarFeed

#: a meeting that started this long before a range still shows in it while it lasts; longer
#: meetings (a trade fair) show from the range they start in (keeps the start bound indexed)
MEETING_LOOKBACK = datetime.timedelta(days=7)
#: at most this many items per query (a calendar page or feed is bounded anyway)
LIMIT = 2000


@dataclass
class Item:
    """One thing on the calendar: a meeting (start, end) or a task (due time, no end)."""

    activity: Activity
    start: datetime.datetime
    end: datetime.datetime | None
    done: bool = False
    attending: bool = False  # a meeting of someone else the user is invited to
    hidden: bool = False  # ... on a record the viewer may not see: only "busy" is shown

    @property
    def is_meeting(self) -> bool:
        return self.activity.kind == Activity.Kind.MEETING

    @property
    def url(self) -> str:
        from django.urls import reverse

        return "" if self.hidden else reverse("activity-detail", args=[self.activity.pk])


def owner_for(viewer: User, raw_id: Any) -> User:
    """The user whose calendar is asked for, if the viewer may see it; else the viewer."""
    if raw_id and str(raw_id).isascii() and str(raw_id).isdigit() and len(str(raw_id)) < 19:
        found = users_in_scope(viewer, "activities").filter(pk=int(raw_id)).first()
        if found is not None:
            return found
    return viewer


def _base(viewer: User, owner: User) -> ActivityQuerySet:
    """Activities as `viewer` may see them: through the door even for their own, since an
    activity on a record they have lost is no longer theirs to see (decision 0014)."""
    return Activity.objects.visible_to(viewer)


def items(viewer: User, owner: User, start: datetime.datetime, end: datetime.datetime,
          *, done_tasks: bool = True, attendees: bool = False) -> list[Item]:  # fmt: skip
    """`owner`'s meetings and tasks between `start` and `end` (aware datetimes) as `viewer`
    sees them, sorted by time. Four queries (plus one per kind of record linked), whatever
    the number of items:

    - own meetings: `activity_owner_at_idx` (owner, at, id), `at` bounded on both sides;
    - attended meetings: the attendee table by user, then the activities by id (and one
      query for which of them the viewer may see);
    - open tasks: `activity_open_task_idx` (owner, due_at, id);
    - done tasks: no index of their own (owner prefix of `activity_owner_at_idx`).

    `attendees` also loads the meetings' attendees (two more queries), for iCalendar.
    """
    meetings = Q(kind=Activity.Kind.MEETING, at__gte=start - MEETING_LOOKBACK, at__lt=end)
    meetings &= Q(ends_at__gt=start) | Q(at__gte=start)
    found: list[Item] = []
    own = _base(viewer, owner).filter(meetings, owner_id=owner.pk)
    for activity in _fetch(own, attendees=attendees):
        found.append(Item(activity, activity.at, activity.ends_at))
    through = Activity.attendee_users.through
    invited = through.objects.filter(user_id=owner.pk).values("activity_id")
    attended = _fetch(
        Activity.objects.filter(meetings, pk__in=invited).exclude(owner_id=owner.pk),
        attendees=attendees,
    )
    if attended:
        # an invitation to a meeting on a record the viewer may not see shows only as busy
        seen = set(
            Activity.objects.visible_to(viewer)
            .filter(pk__in=[a.pk for a in attended])
            .values_list("pk", flat=True)
        )
        for activity in attended:
            hidden = activity.pk not in seen
            found.append(
                Item(activity, activity.at, activity.ends_at, attending=True, hidden=hidden)
            )
    tasks = Q(kind=Activity.Kind.TASK, owner_id=owner.pk, due_at__gte=start, due_at__lt=end)
    open_tasks = _base(viewer, owner).filter(tasks, done_at__isnull=True)
    for activity in _fetch(open_tasks, "due_at"):
        assert activity.due_at is not None  # the query asks for tasks with a due time
        found.append(Item(activity, activity.due_at, None))
    if done_tasks:
        done = _base(viewer, owner).filter(tasks, done_at__isnull=False)
        for activity in _fetch(done, "due_at"):
            assert activity.due_at is not None
            found.append(Item(activity, activity.due_at, None, done=True))
    found.sort(key=lambda item: (item.start, item.activity.pk))
    return found


def _fetch(
    qs: QuerySet[Activity], time_field: str = "at", attendees: bool = False
) -> list[Activity]:
    qs = qs.select_related("owner").prefetch_related("record")
    if attendees:
        qs = qs.prefetch_related("attendee_users", "attendee_people")
    return list(qs.order_by(time_field, "id")[:LIMIT])


# ---------------------------------------------------------------- ranges in the user's zone


def week_of(day: datetime.date) -> tuple[datetime.date, list[datetime.date]]:
    """The Monday of `day`'s week and the week's seven days."""
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, [monday + datetime.timedelta(days=i) for i in range(7)]


# ---------------------------------------------------------------- the personal feed URL

FEED_PAST = datetime.timedelta(days=90)
FEED_AHEAD = datetime.timedelta(days=365)
#: `last_used_at` is written at most this often (calendar apps poll every few minutes)
FEED_TOUCH_EVERY = datetime.timedelta(hours=1)


def _feed_hash(secret: str) -> str:
    import hashlib

    return hashlib.sha256(secret.encode()).hexdigest()


def issue_feed(
    user: User, expected: "tuple[int | None, int | None] | None" = None
) -> "tuple[CalendarFeed, str]":
    """A new feed URL secret for `user` (shown once); any earlier feed stops working now.
    `expected`: the (feed id, version) the user's page showed, or (None, None) for no feed;
    if their feed changed since (another tab made or revoked one), VersionConflict."""
    import secrets

    from django.db import transaction

    from kehu.activities.models import CalendarFeed

    secret = "cal_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        revoke_feeds(user, expected)
        feed = CalendarFeed.objects.create(
            user=user, prefix=secret[:12], key_hash=_feed_hash(secret)
        )
        audit.record(user, feed, "create", {"prefix": [None, feed.prefix]})
        events.emit("calendar_feed.issued", actor=user, feed=feed)
    return feed, secret


def _check_feed(
    feeds: "list[CalendarFeed]", expected: "tuple[int | None, int | None] | None"
) -> None:
    """VersionConflict unless the user's active feed is still the one (at the version) their
    page showed; `expected` None: no check."""
    from kehu.activities.models import CalendarFeed
    from kehu.core.records import VersionConflict

    if expected is None:
        return
    feed_id, version = expected
    current = feeds[-1] if feeds else None
    if current is None and feed_id is None:
        return
    if current is None or current.pk != feed_id or current.version != version:
        raise VersionConflict(current or CalendarFeed(version=0), {})


def revoke_feeds(user: User, expected: "tuple[int | None, int | None] | None" = None) -> int:
    """Stop `user`'s feed URLs working; returns how many were active. Each gets an audit
    entry, a new version and a `calendar_feed.revoked` event. `expected` as for issue_feed."""
    from django.db import transaction
    from django.db.models import F

    from kehu.activities.models import CalendarFeed

    with transaction.atomic():
        feeds = list(
            CalendarFeed.objects.select_for_update()
            .filter(user=user, revoked_at__isnull=True)
            .order_by("id")
        )
        _check_feed(feeds, expected)
        if not feeds:
            return 0
        now = timezone.now()
        CalendarFeed.objects.filter(pk__in=[feed.pk for feed in feeds]).update(
            revoked_at=now, version=F("version") + 1
        )
        changes = {"revoked_at": [None, audit.display_value(now)]}
        audit.record_many(user, feeds, "update", lambda feed: changes)
        for feed in feeds:
            feed.revoked_at, feed.version = now, feed.version + 1
            events.emit("calendar_feed.revoked", actor=user, feed=feed, changes=changes)
    return len(feeds)


def active_feed(user: User) -> "CalendarFeed | None":
    from kehu.activities.models import CalendarFeed

    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).order_by("-id").first()


def feed_user(secret: str) -> User | None:
    """The active user a feed secret belongs to, or None (unknown, revoked, user inactive).
    The secret is found by its SHA-256 in a unique index: no comparison of secrets at all."""
    from kehu.activities.models import CalendarFeed

    if not secret or len(secret) > 100:
        return None
    found = (
        CalendarFeed.objects.select_related("user", "user__role")
        .filter(key_hash=_feed_hash(secret), revoked_at__isnull=True)
        .order_by()[:1]
    )
    feed = next(iter(found), None)
    if feed is None or not feed.user.is_active:
        return None
    now = timezone.now()
    if feed.last_used_at is None or now - feed.last_used_at > FEED_TOUCH_EVERY:
        # skipped while another process holds SQLite's write lock: reading needs no write
        write_if_free(lambda: CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now))
    return feed.user


def feed_calendar(user: User) -> bytes:
    """The user's feed as iCalendar bytes: their meetings (owned and attended) and open tasks
    with a due time, from 90 days back to a year ahead, in UTC. It is their own feed, so their
    private activities are in it (nobody else's are)."""
    from django.utils.translation import gettext as _

    from kehu.activities.calendar import ical

    now = timezone.now()
    found = items(user, user, now - FEED_PAST, now + FEED_AHEAD, done_tasks=False, attendees=True)
    cal = ical.new_calendar(name=_("Kehu: %(user)s") % {"user": user})
    cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    from kehu.customers.models import Person

    invited = {p.pk for i in found if i.is_meeting for p in i.activity.attendee_people.all()}
    visible_people = set(
        Person.objects.visible_to(user).filter(pk__in=invited).values_list("pk", flat=True)
    )
    for item in found:
        if item.hidden:
            cal.add_component(ical.busy_event(item.activity))
        elif item.is_meeting:
            cal.add_component(ical.meeting_event(item.activity, visible_people=visible_people))
        else:
            cal.add_component(ical.task_event(item.activity))
    feed: bytes = cal.to_ical()  # icalendar does not annotate it
    return feed
