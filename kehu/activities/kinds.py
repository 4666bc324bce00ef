"""What each kind of activity holds, and the checks on what a caller sets on one.

The writers in `kehu.activities.services` call `apply_fields` inside their transaction: it
validates a caller's data for the activity's kind, sets it on the activity and returns the
many-to-many values (attendees) to set after the save.
"""

import datetime
from collections.abc import Set
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.activities.visibility import parent_models
from kehu.core import visibility

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
MAX_REMIND_MINUTES = 60 * 24 * 14
MAX_DURATION_MINUTES = 60 * 24


class Attendees(TypedDict):
    """Who a meeting invites, by id: its attendees before a change (`activity.updated`
    carries them), or those taken off it (their invitations are cancelled)."""

    users: list[int]
    people: list[int]


def check_record(actor: User, record: Any) -> None:
    if not isinstance(record, tuple(parent_models())):
        raise ValidationError(
            {"record": [_("Activities are logged on people, companies, leads and deals.")]}
        )
    visibility.require_record(actor, record, "read")
    if getattr(record, "deleted_at", None):
        raise ValidationError({"record": [_("This record is in the recycle bin.")]})


def active_user(value: Any, record: Any, field: str) -> User:
    user = value if isinstance(value, User) else User.objects.filter(pk=value).first()
    if user is None or not user.is_active:
        raise ValidationError({field: [_("Choose an active user.")]})
    if record is not None and not (
        visibility.can(user, record.module, "read") and visibility.in_scope(user, record)
    ):
        # not named: a refusal tells nothing of whom the sender may not hand the record to
        raise ValidationError({field: [_("This user cannot see this record.")]})
    return user


def chosen_people(actor: User, ids: Any, already: Set[int] = frozenset()) -> list[Any]:
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


def apply_fields(
    actor: User, activity: Activity, data: dict[str, Any], record: Any
) -> dict[str, Any]:
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
                value = active_user(value, record, "owner")
            except ValidationError as error:
                errors.update(error.message_dict)
                continue
        elif name == "attendee_users":
            try:
                # any colleague may be invited; one who cannot see the record sees the
                # meeting as busy time (calendar) and gets no reminder about it
                m2m[name] = [active_user(u, None, name) for u in value or []]
            except ValidationError as error:
                errors.update(error.message_dict)
            continue
        elif name == "attendee_people":
            try:
                already = {p.pk for p in activity.attendee_people.all()} if activity.pk else set()
                m2m[name] = chosen_people(actor, value, already)
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
