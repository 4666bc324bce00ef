"""The only writers of activities (tasks, calls, meetings, notes; emails via `mail`).

Logging on a record needs read access to it; changing or deleting an activity is for its
owner and for anyone who may edit the record (decision 0014). Each write checks, validates,
bumps the version, writes the audit entry and emits `activity.<verb>` in one transaction.
"""

import calendar
import datetime
from collections.abc import Set
from typing import Any

from dateutil import rrule
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities import reminders
from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.activities.visibility import parent_models, require_activity
from kehu.core import audit, events, visibility
from kehu.core.records import VersionConflict

Kind = Activity.Kind

#: the fields a caller may set, per kind (beyond subject, body and at)
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    Kind.TASK: ("due_at", "priority", "repeat", "remind_minutes", "owner"),
    Kind.CALL: ("direction", "outcome", "duration_minutes"),
    Kind.MEETING: (
        "ends_at",
        "place",
        "attendee_users",
        "attendee_people",
        "remind_minutes",
        "owner",
    ),
    Kind.NOTE: (),
    Kind.EMAIL: ("private",),
}
COMMON_FIELDS = ("subject", "body", "at")
AUDITED = (
    "subject",
    "body",
    "at",
    "due_at",
    "priority",
    "repeat",
    "done_at",
    "direction",
    "outcome",
    "duration_minutes",
    "ends_at",
    "place",
    "remind_minutes",
    "owner",
    "private",
)
MAX_REMIND_MINUTES = 60 * 24 * 14
MAX_DURATION_MINUTES = 60 * 24


def company_of(record: Any) -> int | None:
    """The company a record's activities also show under (its own, its person's, its deal's)."""
    from kehu.customers.models import Company

    if isinstance(record, Company):
        return record.pk
    return getattr(record, "company_id", None)


def _target_label(record: Any) -> str:
    return f"{record._meta.model_name}:{record.pk}"


def _check_record(actor: User, record: Any) -> None:
    if not isinstance(record, tuple(parent_models())):
        raise ValidationError(
            {"record": [_("Activities are logged on people, companies, leads and deals.")]}
        )
    visibility.require_record(actor, record, "read")
    if getattr(record, "deleted_at", None):
        raise ValidationError({"record": [_("This record is in the recycle bin.")]})


def _active_user(value: Any, record: Any, field: str) -> User:
    user = value if isinstance(value, User) else User.objects.filter(pk=value).first()
    if user is None or not user.is_active:
        raise ValidationError({field: [_("Choose an active user.")]})
    if record is not None and not (
        visibility.can(user, record.module, "read") and visibility.in_scope(user, record)
    ):
        # not named: a refusal tells nothing of whom the sender may not hand the record to
        raise ValidationError({field: [_("This user cannot see this record.")]})
    return user


def _people(actor: User, ids: Any, already: Set[int] = frozenset()) -> list[Any]:
    """The people to invite: ones the actor can see, or ones already invited (an edit by
    someone who cannot see every attendee keeps them)."""
    from django.db.models import Q

    from kehu.customers.models import Person

    ids = [int(i) for i in ids or []]
    visible = Person.objects.visible_to(actor).values("id")
    found = list(
        Person.objects.filter(pk__in=ids).filter(Q(pk__in=visible) | Q(pk__in=list(already)))
    )
    if len(found) != len(set(ids)):
        raise ValidationError({"attendee_people": [_("Choose people that exist.")]})
    return found


def _apply(actor: User, activity: Activity, data: dict[str, Any], record: Any) -> dict[str, Any]:
    """Validate `data` for the activity's kind and set it; returns the many-to-many values."""
    allowed = set(COMMON_FIELDS) | set(KIND_FIELDS[activity.kind])
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(
            {name: [_("Not a field of this kind of activity.")] for name in sorted(unknown)}
        )
    errors: dict[str, list[Any]] = {}
    m2m = {}
    for name, value in data.items():
        if name in ("subject", "place"):
            value = " ".join(str(value or "").split())
            if len(value) > SUBJECT_MAX_LENGTH:
                errors[name] = [_("At most %(n)s characters.") % {"n": SUBJECT_MAX_LENGTH}]
        elif name == "body":
            value = str(value or "").strip()
            if len(value) > NOTE_MAX_LENGTH:
                errors[name] = [_("At most %(n)s characters.") % {"n": f"{NOTE_MAX_LENGTH:,}"}]
        elif name == "owner":
            try:
                value = _active_user(value, record, "owner")
            except ValidationError as error:
                errors.update(error.message_dict)
                continue
        elif name == "attendee_users":
            try:
                # any colleague may be invited; one who cannot see the record sees the
                # meeting as busy time (calendar) and gets no reminder about it
                m2m[name] = [_active_user(u, None, name) for u in value or []]
            except ValidationError as error:
                errors.update(error.message_dict)
            continue
        elif name == "attendee_people":
            try:
                already = {p.pk for p in activity.attendee_people.all()} if activity.pk else set()
                m2m[name] = _people(actor, value, already)
            except (ValidationError, TypeError, ValueError):
                errors[name] = [_("Choose people that exist.")]
            continue
        elif name == "remind_minutes" and value is not None:
            if not 0 <= int(value) <= MAX_REMIND_MINUTES:
                errors[name] = [_("A reminder is at most 14 days ahead.")]
        elif name == "duration_minutes" and value is not None:
            if not 0 <= int(value) <= MAX_DURATION_MINUTES:
                errors[name] = [_("A call lasts at most a day.")]
        elif name in ("at", "due_at", "ends_at") and value is not None:
            if not isinstance(value, datetime.datetime):
                errors[name] = [_("Enter a date and time.")]
                continue
            if timezone.is_naive(value):  # a wall-clock time: the user's own zone
                value = timezone.make_aware(value)
        elif name == "at" and value is None:
            value = timezone.now()
        elif name == "private":
            value = bool(value)
            if activity.pk and activity.owner_id != actor.pk:
                errors[name] = [_("Only its owner can share or hide it.")]
                continue
        setattr(activity, name, value)
    if activity.kind == Kind.MEETING:
        if activity.ends_at is None:
            activity.ends_at = activity.at + datetime.timedelta(hours=1)
        elif activity.ends_at < activity.at:
            errors["ends_at"] = [_("A meeting cannot end before it starts.")]
    if activity.kind in (Kind.TASK, Kind.MEETING, Kind.CALL) and not activity.subject:
        errors.setdefault("subject", [_("Give it a subject.")])
    if activity.kind == Kind.NOTE and not activity.body:
        errors.setdefault("body", [_("Write something first.")])
    if activity.remind_minutes is not None and activity.starts_or_due() is None:
        errors.setdefault("remind_minutes", [_("A reminder needs a due time.")])
    if errors:
        raise ValidationError(errors)
    try:
        activity.full_clean(
            exclude=["owner", "created_by", "deleted_by", "company", "content_type"]
        )
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    return m2m


def _snapshot(activity: Activity) -> dict[str, Any]:
    values = audit.snapshot(activity, list(AUDITED))
    if activity.pk and activity.kind == Kind.MEETING:
        values["attendee_users"] = audit.display_value(
            sorted(str(u) for u in activity.attendee_users.all())
        )
        values["attendee_people"] = audit.display_value(
            sorted(str(p) for p in activity.attendee_people.all())
        )
    return values


def log_activity(
    actor: User, record: Any, kind: str, data: dict[str, Any], *, repeat_day: int | None = None
) -> Activity:
    """Log (or plan) an activity of `kind` on `record`, which the actor may read.
    `repeat_day`: for a monthly task's next occurrence, the day of the month its series is on."""
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Choose a kind of activity.")]})
    _check_record(actor, record)
    with transaction.atomic():
        activity = Activity(
            kind=kind, record=record, company_id=company_of(record), owner=actor, created_by=actor
        )
        m2m = _apply(actor, activity, dict(data), record)
        activity.repeat_day = repeat_day
        activity.save()
        for name, values in m2m.items():
            getattr(activity, name).set(values)
        after = _snapshot(activity)
        changes: dict[str, Any] = {k: [None, v] for k, v in after.items() if v not in (None, "")}
        changes["_record"] = _target_label(record)
        audit.record(actor, activity, "create", changes)
        reminders.plan(activity)
        events.emit("activity.created", actor=actor, record=record, activity=activity)
    return activity


def _locked(activity: Activity) -> Activity:
    current: Activity | None = Activity.objects.select_for_update().filter(pk=activity.pk).first()
    if current is None:
        raise Http404
    return current


def update_activity(
    actor: User, activity: Activity, changes: dict[str, Any], expected_version: int | None = None
) -> Activity:
    require_activity(actor, activity, "edit")
    if activity.kind == Kind.EMAIL and set(changes) - {"private"}:
        raise ValidationError(
            {name: [_("An email is kept as it was sent or received.")] for name in changes}
        )
    with transaction.atomic():
        current = _locked(activity)
        if expected_version is not None and current.version != int(expected_version):
            raise VersionConflict(current, changes)
        record = current.record
        before = _snapshot(current)
        previous = None
        if current.kind == Kind.MEETING:  # who was invited, for those taken off it
            previous = {
                "users": [u.pk for u in current.attendee_users.all()],
                "people": [p.pk for p in current.attendee_people.all()],
            }
        m2m = _apply(actor, current, dict(changes), record)
        for name, values in m2m.items():
            getattr(current, name).set(values)
        delta = audit.diff(before, _snapshot(current))
        if delta:
            current.version += 1
            current.updated_at = timezone.now()
            current.save()
            delta["_record"] = _target_label(record)
            audit.record(actor, current, "update", delta)
            reminders.plan(current)
            events.emit(
                "activity.updated",
                actor=actor,
                record=record,
                activity=current,
                changes=delta,
                previous_attendees=previous,
            )
    return current


def _zone(name: str) -> datetime.tzinfo:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _next_due(
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


def _series_day(task: Activity, zone: str) -> int:
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


def complete_task(
    actor: User, task: Activity, done: bool = True
) -> tuple[Activity, Activity | None]:
    """Mark a task done (or not done again). A repeating task that is done makes its next
    occurrence, once (reopened and done again, it makes none); returns (task, next task or
    None)."""
    require_activity(actor, task, "edit")
    if task.kind != Kind.TASK:
        raise ValidationError({"kind": [_("Only tasks are done or not done.")]})
    following = None
    with transaction.atomic():
        current = _locked(task)
        if (current.done_at is not None) == done:
            return current, None
        current.done_at = timezone.now() if done else None
        current.version += 1
        current.updated_at = timezone.now()
        current.save()
        record = current.record
        audit.record(
            actor,
            current,
            "update",
            {
                "done_at": [
                    None if done else audit.display_value(task.done_at),
                    audit.display_value(current.done_at),
                ],
                "_record": _target_label(record),
            },
        )
        reminders.plan(current)
        events.emit(
            "activity.done" if done else "activity.reopened",
            actor=actor,
            record=record,
            activity=current,
        )
        if (
            done
            and current.repeat
            and current.due_at
            and record is not None
            and not record.deleted_at
            and current.next_occurrence_id is None
        ):
            zone = current.owner.zone
            day = None
            if current.repeat == Activity.Repeat.MONTHLY:
                day = _series_day(current, zone)
            following = log_activity(
                actor,
                record,
                Kind.TASK,
                {
                    "subject": current.subject,
                    "body": current.body,
                    "due_at": _next_due(current.due_at, current.repeat, zone, day),
                    "priority": current.priority,
                    "repeat": current.repeat,
                    "remind_minutes": current.remind_minutes,
                    "owner": _next_owner(actor, current, record),
                },
                repeat_day=day,
            )
            current.next_occurrence = following
            current.save(update_fields=["next_occurrence"])
    return current, following


def _next_owner(actor: User, task: Activity, record: Any) -> User:
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


def reschedule_task(actor: User, task: Activity, due_at: datetime.datetime) -> Activity:
    if task.kind != Kind.TASK:
        raise ValidationError({"kind": [_("Only tasks are rescheduled.")]})
    return update_activity(actor, task, {"due_at": due_at})


def delete_activity(actor: User, activity: Activity) -> Activity:
    """Move an activity to the recycle bin (its reminders stop)."""
    require_activity(actor, activity, "edit")
    with transaction.atomic():
        current = _locked(activity)
        current.deleted_at = timezone.now()
        current.deleted_by = actor
        current.version += 1
        current.save(update_fields=["deleted_at", "deleted_by", "version"])
        audit.record(actor, current, "delete", {"_record": _target_label(current.record)})
        reminders.plan(current)
        events.emit("activity.deleted", actor=actor, record=current.record, activity=current)
    return current


def may_restore(actor: User, activity: Activity, record_module: str) -> bool:
    """Whether `actor`, who sees the record `activity` is on (a record of `record_module`),
    may bring the activity back from the bin: its owner may, and so may anyone allowed to
    edit the record. `restore_activity` checks it; the recycle bin offers Restore by it."""
    return activity.owner_id == actor.pk or visibility.can(actor, record_module, "edit")


def restore_activity(actor: User, activity: Activity) -> Activity:
    if activity.deleted_at is None:
        return activity
    record = activity.record
    if record is None:
        raise Http404
    visibility.require_record(actor, record, "read")
    if not may_restore(actor, activity, record.module):
        visibility.require(actor, record.module, "edit")
    with transaction.atomic():
        # the row as it is now: a second click, or another restore, changes nothing again
        current: Activity | None = (
            Activity.all_objects.select_for_update().filter(pk=activity.pk).first()
        )
        if current is None:
            raise Http404
        if current.deleted_at is None:
            return current
        current.deleted_at = None
        current.deleted_by = None
        current.version += 1
        current.save(update_fields=["deleted_at", "deleted_by", "version"])
        audit.record(actor, current, "restore", {"_record": _target_label(record)})
        reminders.plan(current)
        events.emit("activity.restored", actor=actor, record=record, activity=current)
    activity.deleted_at, activity.deleted_by, activity.version = None, None, current.version
    return current


def set_private(actor: User, activity: Activity, private: bool) -> Activity:
    """Only the owner makes their email private or shares it with everyone who sees the record."""
    if activity.owner_id != actor.pk:
        require_activity(actor, activity, "read")
        raise PermissionDenied(_("Only its owner can share or hide it."))
    with transaction.atomic():
        current = _locked(activity)
        if current.private != private:
            current.private = private
            current.version += 1
            current.save(update_fields=["private", "version"])
            record = current.record
            changes = {"private": [not private, private], "_record": _target_label(record)}
            audit.record(actor, current, "update", changes)
            events.emit(
                "activity.updated", actor=actor, record=record, activity=current, changes=changes
            )
    return current


def roll_up_to_company(actor: User | None, record: Any) -> int:
    """The activities logged on `record` before it had a company (a lead, until it was
    converted) show on its company's timeline from now on. Their `company` is part of what
    they say (the API's `company_id`), so each gets a new version, an audit entry and
    `activity.updated`. The caller has checked the right to change `record`; returns how many
    activities moved."""
    company_id = company_of(record)
    if not company_id:
        return 0
    from kehu.customers.models import Company

    with transaction.atomic():
        found = list(
            Activity.all_objects.select_for_update()
            .filter(
                content_type=ContentType.objects.get_for_model(type(record)),
                object_id=record.pk,
                company__isnull=True,
            )
            .order_by("pk")
        )
        if not found:
            return 0
        company = Company.all_objects.filter(pk=company_id).first()
        now = timezone.now()
        for activity in found:
            activity.company_id = company_id
            activity.version += 1
            activity.updated_at = now
        Activity.all_objects.bulk_update(
            found, ["company", "version", "updated_at"], batch_size=500
        )
        changes = {"company": [None, str(company)], "_record": _target_label(record)}
        audit.record_many(actor, found, "update", lambda activity: changes)
        for activity in found:
            events.emit(
                "activity.updated", actor=actor, record=record, activity=activity, changes=changes
            )
    return len(found)


def add_note(actor: User, record: Any, body: str) -> Activity:
    """Quick note on a record: the note form on every record page."""
    return log_activity(actor, record, Kind.NOTE, {"body": body})


def delete_note(actor: User, note: Activity) -> Activity:
    if note.deleted_at:
        raise Http404
    try:
        return delete_activity(actor, note)
    except PermissionDenied:
        raise PermissionDenied(_("Only the author can delete this note.")) from None
