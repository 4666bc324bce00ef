# mypy: disable-error-code="arg-type, attr-defined"
"""REST routes for activities (/api/v1/activities): the record contract, marking a task done,
a meeting's answers.

The same door and rules as the screens: an activity is seen by whoever sees its record (and
its owner), changed by its owner or the record's editors.
"""

import datetime
from typing import Annotated, Literal

from django.http import Http404, HttpResponse
from ninja import Field, Router, Schema
from pydantic import AfterValidator, AwareDatetime

from kehu.activities import services
from kehu.activities.invitations.replies import annotate_answers
from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.core.access import get_visible_or_404
from kehu.core.api_support import (
    PATH_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    Input,
    PageParams,
    RowId,
    set_etag,
)
from kehu.core.record_api import RecordQueries, add_record_routes

activities_router = Router(tags=["activities"])

RecordType = Literal["person", "company", "lead", "deal"]


def _real_moment(value: datetime.datetime) -> datetime.datetime:
    """A time a calendar can hold: years 1900–2999 and a real zone (at most ±14 hours)."""
    from django.utils.translation import gettext as _

    offset = value.utcoffset() or datetime.timedelta(0)
    if abs(offset) > datetime.timedelta(hours=14) or not 1900 <= value.year <= 2999:
        raise ValueError(_("Enter a time between the years 1900 and 2999, with its time zone."))
    return value


#: a time with its zone (one without is a 422), within what people plan
Moment = Annotated[AwareDatetime, AfterValidator(_real_moment)]
KindName = Literal["task", "call", "meeting", "note", "email"]


class ActivityOut(Schema):
    id: int
    kind: str
    record_type: str = Field(description="`person`, `company`, `lead` or `deal`.")
    record_id: int
    company_id: int | None = Field(description="The company whose timeline also shows it.")
    subject: str
    body: str = Field(description="Markdown.")
    at: datetime.datetime = Field(description="When it happened (a meeting: when it starts).")
    owner_id: int = Field(description="Who it is assigned to or who logged it.")
    due_at: datetime.datetime | None
    priority: str
    done_at: datetime.datetime | None
    repeat: str
    direction: str
    outcome: str
    duration_minutes: int | None
    ends_at: datetime.datetime | None
    place: str
    attendee_user_ids: list[int]
    attendee_person_ids: list[int]
    remind_minutes: int | None
    private: bool
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ActivityPage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class ActivityFields(Input):
    subject: str | None = Field(None, max_length=SUBJECT_MAX_LENGTH)
    body: str | None = Field(None, max_length=NOTE_MAX_LENGTH, description="Markdown.")
    at: Moment | None = None
    due_at: Moment | None = None
    priority: Literal["low", "normal", "high"] | None = None
    repeat: Literal["", "daily", "weekly", "monthly"] | None = None
    direction: Literal["out", "in"] | None = None
    outcome: Literal["", "connected", "no_answer", "voicemail", "busy", "wrong_number"] | None = (
        None
    )
    duration_minutes: int | None = Field(None, ge=0, le=24 * 60)
    ends_at: Moment | None = None
    place: str | None = Field(None, max_length=SUBJECT_MAX_LENGTH)
    attendee_user_ids: list[RowId] | None = Field(None, max_length=200)
    attendee_person_ids: list[RowId] | None = Field(None, max_length=200)
    remind_minutes: int | None = Field(None, ge=0, le=services.MAX_REMIND_MINUTES)
    owner_id: RowId | None = Field(None, description="Tasks and meetings: who it is for.")


class ActivityCreate(ActivityFields):
    kind: Literal["task", "call", "meeting", "note"]
    record_type: RecordType
    record_id: RowId


class ActivityPatch(ActivityFields):
    pass


class ActivityFilters(PageParams):
    kind: KindName | None = None
    record_type: RecordType | None = Field(None, description="With `record_id`: one record's.")
    record_id: RowId | None = None
    owner_id: RowId | None = None
    open: bool | None = Field(None, description="Tasks: true for not done, false for done.")
    due_before: Moment | None = None
    due_after: Moment | None = None
    ordering: str = Field("-at", pattern=r"^-?at$")


RENAMES = {
    "attendee_user_ids": "attendee_users",
    "attendee_person_ids": "attendee_people",
    "owner_id": "owner",
}
ALIASES = {model_name: api_name for api_name, model_name in RENAMES.items()}


def activity_out(activity: Activity) -> dict:
    names = [n for n in ActivityOut.model_fields if n not in _COMPUTED]
    data = {name: getattr(activity, name) for name in names}
    data["record_type"] = activity.content_type.model
    data["record_id"] = activity.object_id
    data["attendee_user_ids"] = [u.pk for u in activity.attendee_users.all()]
    data["attendee_person_ids"] = [p.pk for p in activity.attendee_people.all()]
    return data


_COMPUTED = {"record_type", "record_id", "attendee_user_ids", "attendee_person_ids"}


def _changes(payload, partial: bool) -> dict:
    data = payload.dict(exclude_unset=True)
    for key in ("kind", "record_type", "record_id"):
        data.pop(key, None)
    return {RENAMES.get(k, k): v for k, v in data.items()}


def record_of(user, record_type: str, record_id: int, field: str | None = None):
    """The record, or 404 (a 422 on `field` when it comes from a request body)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from kehu.activities.views import _targets

    model = _targets()[record_type]
    try:
        return get_visible_or_404(model, user, record_id)
    except Http404:
        if field:
            raise ValidationError({field: [_("Choose a record you can see.")]}) from None
        raise


def _filters(qs, request, filters: ActivityFilters):
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.record_type and filters.record_id:
        qs = qs.on(record_of(request.auth, filters.record_type, filters.record_id))
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.open is not None:
        qs = qs.filter(kind="task", done_at__isnull=filters.open)
    if filters.due_before:
        qs = qs.filter(due_at__lt=filters.due_before)
    if filters.due_after:
        qs = qs.filter(due_at__gte=filters.due_after)
    return qs


QUERIES = RecordQueries(
    Activity,
    select_related=("content_type",),
    prefetch_related=("attendee_users", "attendee_people"),
)


class _CreateWithRecord:
    """`add_record_routes` hands the service the changes only; an activity also needs its
    record and kind, which the create body carries: keep them aside per request."""

    def to_changes(self, payload, partial: bool) -> dict:
        changes = _changes(payload, partial)
        if not partial:
            changes["__target"] = (payload.kind, payload.record_type, payload.record_id)
        return changes

    def create(self, user, changes: dict) -> Activity:
        kind, record_type, record_id = changes.pop("__target")
        record = record_of(user, record_type, record_id, field="record_id")
        return services.log_activity(user, record, kind, changes)


_creating = _CreateWithRecord()

add_record_routes(
    activities_router,
    queries=QUERIES,
    module="activities",
    entity="activity",
    plural="activities",
    label="an activity",
    out_schema=ActivityOut,
    page_schema=ActivityPage,
    create_schema=ActivityCreate,
    patch_schema=ActivityPatch,
    filters_schema=ActivityFilters,
    list_description=(
        "The activities you can see (those on records you can see, and your own), newest "
        "first (`ordering=at`: oldest first). `open=true&owner_id=<you>&due_before=…` gives "
        "your to-do list."
    ),
    apply_filters=_filters,
    to_out=activity_out,
    to_changes=_creating.to_changes,
    create=_creating.create,
    update=lambda user, activity, changes, version: services.update_activity(
        user, activity, changes, version
    ),
    delete=services.delete_activity,
    restore=services.restore_activity,
    aliases=ALIASES,
    summaries={"create": "Log an activity on a record"},
)


class DoneIn(Input):
    done: bool = Field(True, description="false: not done after all.")


class DoneOut(Schema):
    activity: ActivityOut
    next: ActivityOut | None = Field(description="A repeating task's next occurrence.")


@activities_router.post(
    "/{activity_id}/done",
    response={200: DoneOut, **WRITE_ERRORS},
    summary="Mark a task done (or not done)",
    operation_id="activities_complete_task",
)
def complete(
    request: ApiRequest,
    response: HttpResponse,
    payload: DoneIn,
    activity_id: int = PATH_ID,
):
    activity = QUERIES.visible(request.auth, activity_id)
    task, following = services.complete_task(request.auth, activity, payload.done)
    set_etag(response, task.version)
    return {
        "activity": activity_out(QUERIES.loaded(task)),
        "next": activity_out(QUERIES.loaded(following)) if following else None,
    }


class AnswerOut(Schema):
    attendee_type: Literal["user", "person"]
    attendee_id: int
    answer: Literal["accepted", "declined", "tentative", "none"] = Field(
        description="`none`: invited by email, no answer yet."
    )
    label: str = Field(description="The answer in the user's language, as the page shows it.")
    to_earlier_version: bool = Field(
        description="The answer was to an earlier version of the meeting than the last one sent."
    )


class AnswerPage(Schema):
    items: list[AnswerOut]
    next_cursor: None = Field(None, description="Always null: every answer is on one page.")


@activities_router.get(
    "/{activity_id}/answers",
    response={200: AnswerPage, **READ_ERRORS},
    summary="A meeting's answers to its invitation",
    description=(
        "For each attendee Kehu emailed the invitation to, their answer (accepted, declined, "
        "tentative, or none yet), as on the meeting's page; people are those you can see. "
        "Attendees who were not emailed (no address, the organiser) and other kinds of "
        "activity have none."
    ),
    operation_id="activities_invitation_answers",
)
def invitation_answers(request: ApiRequest, activity_id: int = PATH_ID):
    user = request.auth
    activity = QUERIES.visible(user, activity_id)
    if activity.kind != "meeting":
        return {"items": [], "next_cursor": None}
    users = list(activity.attendee_users.all())
    people = list(activity.attendee_people.visible_to(user))
    annotate_answers(activity, users, people)
    items = [
        {
            "attendee_type": kind,
            "attendee_id": attendee.pk,
            "answer": attendee.invitation_answer.code,
            "label": attendee.invitation_answer.label,
            "to_earlier_version": attendee.invitation_answer.earlier,
        }
        for kind, attendees in (("user", users), ("person", people))
        for attendee in attendees
        if attendee.invitation_answer is not None
    ]
    return {"items": items, "next_cursor": None}
