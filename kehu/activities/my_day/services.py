""" "My day": one person's open tasks (overdue, today, the coming week, without a due date)
and today's meetings. Each task section reads one range of `activity_open_task_idx`
(owner, due_at, id over open tasks), capped, so the page costs the same for 10 or 10,000
tasks; days are the viewer's days (their time zone). Each range's candidates go through the
read door once per page (one's own day too: decision 0014)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from django.utils import timezone

from kehu.accounts.models import User
from kehu.activities.models import Activity

SHOWN = 50  # rows per section; "and more" beyond
UPCOMING_DAYS = 7
#: candidates read per section, before the read door drops the ones the viewer may not see
WINDOW = 2 * SHOWN + 1
#: what a row shows; the rest of an activity (its body: up to 10,000 characters) stays unread
ROW_FIELDS = ("id", "kind", "subject", "at", "ends_at", "place", "due_at", "done_at",
              "priority", "repeat", "owner_id", "content_type_id", "object_id", "private",
              "deleted_at")  # fmt: skip


@dataclass
class Section:
    key: str
    rows: list[Activity] = field(default_factory=list)
    more: bool = False


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in the active time zone, as an aware moment."""
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _capped(key: str, qs: QuerySet[Activity]) -> Section:
    rows = list(qs[: SHOWN + 1])
    return Section(key, rows[:SHOWN], len(rows) > SHOWN)


#: a task section's filter of the open-task index, and its order
Range = tuple[dict[str, Any], tuple[str, str]]


def _ranges(
    start: datetime.datetime, tomorrow: datetime.datetime, week_end: datetime.datetime
) -> dict[str, Range]:
    """Each task section: its range of the open-task index, in the index's order."""
    by_due = ("due_at", "id")
    return {
        "overdue": ({"due_at__lt": start}, by_due),
        "today": ({"due_at__gte": start, "due_at__lt": tomorrow}, by_due),
        "upcoming": ({"due_at__gte": tomorrow, "due_at__lt": week_end}, by_due),
        # newest first, ordered by the index's own columns: ordered by "-id" alone,
        # PostgreSQL walks the primary key backwards through everyone's activities (47 ms at
        # 100k tasks) instead of reading the owner's few undated ones
        "no_due": ({"due_at__isnull": True}, ("-due_at", "-id")),
    }


def my_day(viewer: User, owner: User, today: datetime.date | None = None) -> dict[str, Section]:
    """The sections of `owner`'s day as `viewer` may see it (the viewer's time zone)."""
    today = today or timezone.localdate()
    start = day_start(today)
    tomorrow = day_start(today + datetime.timedelta(days=1))
    week_end = day_start(today + datetime.timedelta(days=1 + UPCOMING_DAYS))
    tasks = Activity.objects.filter(owner=owner).open_tasks()
    ranges = _ranges(start, tomorrow, week_end)
    held = Activity.objects.filter(
        owner=owner, kind=Activity.Kind.MEETING, at__gte=start, at__lt=tomorrow
    ).order_by("at", "id")
    invited = _invited_ids(owner, start, tomorrow)
    # every day goes through the read door, one's own too: owning a task on a record one has
    # lost does not show it (decision 0014); the door is asked once for the whole page
    candidates = {
        key: list(tasks.filter(**where).order_by(*order).values_list("id", flat=True)[:WINDOW])
        for key, (where, order) in ranges.items()
    }
    held_ids = list(held.values_list("id", flat=True)[: SHOWN + 1])
    seen = _door(viewer, [pk for ids in candidates.values() for pk in ids] + held_ids + invited)
    shown = {key: [pk for pk in ids if pk in seen] for key, ids in candidates.items()}
    meeting_ids = [pk for pk in held_ids + invited if pk in seen]
    rows = _fetch([pk for ids in shown.values() for pk in ids[:SHOWN]] + meeting_ids)
    sections = {
        key: Section(
            key,
            [rows[pk] for pk in shown[key][:SHOWN] if pk in rows],
            len(shown[key]) > SHOWN or len(candidates[key]) == WINDOW,
        )
        for key in ranges
    }
    meetings = [rows[pk] for pk in meeting_ids if pk in rows]
    meetings = sorted({row.pk: row for row in meetings}.values(), key=lambda r: (r.at, r.pk))
    sections["meetings"] = Section("meetings", meetings[:SHOWN], len(meetings) > SHOWN)
    attach_records([row for section in sections.values() for row in section.rows])
    return sections


def _door(viewer: User, ids: list[int]) -> set[int]:
    """Which of these activities `viewer` may see: the read door, asked once for the page
    (every ask builds the set of records the viewer sees; once per section cost 5 times)."""
    if not ids:
        return set()
    visible = Activity.objects.visible_to(viewer).filter(pk__in=ids)
    return set(visible.values_list("id", flat=True))


def _fetch(ids: list[int]) -> dict[int, Activity]:
    """The rows to show, by id; with their owners (a meeting one was invited to shows whose
    it is)."""
    if not ids:
        return {}
    rows = Activity.objects.select_related("owner").only(
        *ROW_FIELDS, "owner__username", "owner__first_name", "owner__last_name"
    )
    return rows.in_bulk(list(ids))


def _invited_ids(owner: User, start: datetime.datetime, end: datetime.datetime) -> list[int]:
    """Today's meetings of others the owner is invited to, read from their invitations
    (few) rather than from everyone's activities that day."""
    through = Activity.attendee_users.through
    return list(
        through.objects.filter(
            user_id=owner.pk,
            activity__kind=Activity.Kind.MEETING,
            activity__at__gte=start,
            activity__at__lt=end,
            activity__deleted_at__isnull=True,
        )
        .exclude(activity__owner_id=owner.pk)
        .order_by("activity__at", "activity_id")
        .values_list("activity_id", flat=True)[: SHOWN + 1]
    )


def attach_records(rows: list[Activity]) -> None:
    """Set `shown_record` on each row: its record's id and name (binned ones too), one query
    per kind of record whatever the number of rows."""
    wanted: dict[int, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.content_type_id, set()).add(row.object_id)
    found: dict[tuple[int, int], Model] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        assert model is not None  # activities are logged on installed models only
        for record in model._base_manager.filter(pk__in=ids).only("id", "name", "deleted_at"):
            found[type_id, record.pk] = record
    for row in rows:
        row.shown_record = found.get((row.content_type_id, row.object_id))


def is_empty(sections: dict[str, Section]) -> bool:
    return not any(section.rows for section in sections.values())
