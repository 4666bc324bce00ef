"""The only writers of activities (tasks, calls, meetings, notes; emails via `mail`).

Logging on a record needs read access to it; changing or deleting an activity is for its
owner and for anyone who may edit the record (decision 0014). Each write checks, validates,
bumps the version, writes the audit entry and emits `activity.<verb>` in one transaction.
"""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities import reminders
from kehu.activities.kinds import KIND_FIELDS as KIND_FIELDS  # the forms' and API's
from kehu.activities.kinds import MAX_REMIND_MINUTES as MAX_REMIND_MINUTES
from kehu.activities.kinds import Attendees, apply_fields, check_record
from kehu.activities.models import Activity
from kehu.activities.recurrence import next_due, next_owner, series_day
from kehu.activities.visibility import require_activity
from kehu.core import audit, events, visibility
from kehu.core.records import VersionConflict

Kind = Activity.Kind

#: the fields the history shows a change of
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


def company_of(record: Any) -> int | None:
    """The company a record's activities also show under (its own, its person's, its deal's)."""
    from kehu.customers.models import Company

    if isinstance(record, Company):
        return record.pk
    return getattr(record, "company_id", None)


def _target_label(record: Any) -> str:
    return f"{record._meta.model_name}:{record.pk}"


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
    check_record(actor, record)
    with transaction.atomic():
        activity = Activity(
            kind=kind, record=record, company_id=company_of(record), owner=actor, created_by=actor
        )
        m2m = apply_fields(actor, activity, dict(data), record)
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
        previous: Attendees | None = None
        if current.kind == Kind.MEETING:  # who was invited, for those taken off it
            previous = {
                "users": [u.pk for u in current.attendee_users.all()],
                "people": [p.pk for p in current.attendee_people.all()],
            }
        m2m = apply_fields(actor, current, dict(changes), record)
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


def complete_task(
    actor: User, task: Activity, done: bool = True, expected_version: int | None = None
) -> tuple[Activity, Activity | None]:
    """Mark a task done (or not done again). A repeating task that is done makes its next
    occurrence, once (reopened and done again, it makes none); returns (task, next task or
    None). `expected_version`: raise VersionConflict if the task changed since."""
    require_activity(actor, task, "edit")
    if task.kind != Kind.TASK:
        raise ValidationError({"kind": [_("Only tasks are done or not done.")]})
    following = None
    with transaction.atomic():
        current = _locked(task)
        if expected_version is not None and current.version != int(expected_version):
            raise VersionConflict(current, {"done_at": None})
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
                day = series_day(current, zone)
            following = log_activity(
                actor,
                record,
                Kind.TASK,
                {
                    "subject": current.subject,
                    "body": current.body,
                    "due_at": next_due(current.due_at, current.repeat, zone, day),
                    "priority": current.priority,
                    "repeat": current.repeat,
                    "remind_minutes": current.remind_minutes,
                    "owner": next_owner(actor, current, record),
                },
                repeat_day=day,
            )
            current.next_occurrence = following
            current.save(update_fields=["next_occurrence"])
    return current, following


def undo_done(actor: User, task: Activity, expected_version: int) -> Activity:
    """Undo "done" (the confirmation's Undo): the task is open again, as long as nobody changed
    it since (else VersionConflict). The next occurrence a repeating task made goes to the
    recycle bin if it is still as it was made, and the link to it goes, so that done again
    the task makes it anew; one somebody changed stays."""
    with transaction.atomic():
        current, _following = complete_task(actor, task, False, expected_version)
        following = current.next_occurrence
        if (
            following is not None
            and following.version == 1  # as "done" made it
            and following.deleted_at is None
            and _may(actor, following, "edit")
        ):
            delete_activity(actor, following)
            current.next_occurrence = None
            current.save(update_fields=["next_occurrence"])
    return current


def _may(actor: User, activity: Activity, action: str) -> bool:
    try:
        require_activity(actor, activity, action)
    except (PermissionDenied, Http404):
        return False
    return True


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


def restore_activity(
    actor: User, activity: Activity, expected_version: int | None = None
) -> Activity:
    """Bring an activity back from the bin. `expected_version` (an undo): the version it was
    binned at; VersionConflict if it changed since (restored, or restored and binned again)."""
    if activity.deleted_at is None and expected_version is None:
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
        if expected_version is not None and (
            current.version != int(expected_version) or current.deleted_at is None
        ):
            raise VersionConflict(current, {"deleted_at": None})
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
