# mypy: disable-error-code="no-untyped-def, type-arg, valid-type"
"""REST routes for goals (/api/v1/goals): read the goals you may see, with their attainment and
pacing; administrators and managers set them. Writes go through `analytics.goals.services`."""

import datetime
import decimal
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kehu.analytics.goals import progress as pacing
from kehu.analytics.goals import services
from kehu.analytics.goals.models import Goal
from kehu.analytics.metrics import registry
from kehu.core.api_support import (
    CREATE_ERRORS,
    IF_MATCH,
    PATCH_ERRORS,
    PATH_ID,
    READ_ERRORS,
    WITH_ETAG,
    WRITE_ERRORS,
    ApiRequest,
    Input,
    PageParams,
    RowId,
    expected_version,
    page_of,
    renamed_fields,
    set_etag,
)

goals_router = Router(tags=["goals"])
Kind = Literal["month", "quarter", "year", "custom"]
Status_ = Literal[tuple(pacing.STATUSES)]
ALIASES = {"user": "user_id", "team": "team_id"}


class PointOut(Schema):
    day: datetime.date
    expected: decimal.Decimal
    actual: decimal.Decimal | None = Field(description="null for days still to come.")


class ProgressOut(Schema):
    actual: decimal.Decimal | None = Field(description="The metric for the subject so far.")
    reason: str = Field(description="Why `actual` is null, if it is.")
    expected: decimal.Decimal | None = Field(
        description="Where the actual should be at the end of today (see docs/goals.md)."
    )
    status: Status_
    percent: decimal.Decimal | None = Field(description="Share of the target attained, in %.")
    remaining: decimal.Decimal | None = Field(description="Still to go to the target.")
    days: int
    days_passed: int
    final: bool = Field(description="The period is over: the result is final.")
    points: list[PointOut] | None = Field(None, description="The pacing line (one goal only).")


class GoalOut(Schema):
    id: int
    metric: str
    unit: str
    currency: str | None = Field(description="For money metrics: the company currency.")
    subject: Literal["user", "team", "company"]
    user_id: int | None
    team_id: int | None
    period: Kind
    start: datetime.date
    end: datetime.date
    target: decimal.Decimal
    editable: bool = Field(description="Whether you may change or delete it.")
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')
    progress: ProgressOut | None = None


class GoalPage(Schema):
    items: list[GoalOut]
    next_cursor: str | None


class GoalFilters(PageParams):
    metric: str | None = Field(None, max_length=60)
    user_id: RowId | None = None
    team_id: RowId | None = None
    company: bool | None = Field(None, description="Only the whole company's goals (true).")
    on: datetime.date | None = Field(None, description="Only goals whose period has this day.")
    with_progress: bool = Field(True, description="Compute each goal's attainment (slower).")


PERIOD_HELP = (
    "month, quarter or year: the one `start` falls in (it becomes its first day); "
    "custom: `start` to `end`."
)


class GoalCreate(Input):
    metric: str = Field(max_length=60, description="A key of GET /api/v1/metrics.")
    user_id: RowId | None = Field(None, description="A person's goal.")
    team_id: RowId | None = Field(None, description="A team's goal; neither: the company's.")
    period: Kind = Field(description=PERIOD_HELP)
    start: datetime.date
    end: datetime.date | None = Field(None, description="For a custom period.")
    target: decimal.Decimal = Field(ge=0, max_digits=16, decimal_places=2)


class GoalPatch(Input):
    metric: str | None = Field(None, max_length=60)
    user_id: RowId | None = None
    team_id: RowId | None = None
    period: Kind | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    target: decimal.Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)


def progress_out(found: pacing.Progress) -> dict[str, Any]:
    value = found.actual.value
    return {
        "actual": None if value is None else decimal.Decimal(value),
        "reason": found.actual.reason,
        "expected": found.expected,
        "status": found.status,
        "percent": found.percent,
        "remaining": found.remaining,
        "days": found.days,
        "days_passed": found.days_passed,
        "final": found.final,
        "points": found.points or None,
    }


def goal_out(goal: Goal, user, found: pacing.Progress | None = None) -> dict[str, Any]:
    metric = registry.metric(goal.metric)
    return {
        "id": goal.pk,
        "metric": goal.metric,
        "unit": metric.unit,
        "currency": settings.DEFAULT_CURRENCY if metric.unit == "money" else None,
        "subject": goal.subject_kind,
        "user_id": goal.user_id,
        "team_id": goal.team_id,
        "period": goal.period,
        "start": goal.start,
        "end": goal.end,
        "target": goal.target,
        "editable": services.may_change(user, goal),
        "version": goal.version,
        "progress": progress_out(found) if found is not None else None,
    }


def _data(payload: dict[str, Any]) -> dict[str, Any]:
    renamed = {"user_id": "user", "team_id": "team"}
    return {renamed.get(k, k): v for k, v in payload.items()}


@goals_router.get("", response={200: GoalPage, **READ_ERRORS}, summary="List goals")
def list_goals(request: ApiRequest, filters: Query[GoalFilters]):
    """The goals you may see: your own, your team's, and (managers) your team members';
    everyone's with the record scope "all". Newest periods first by id order of the page."""
    qs = services.visible_goals(request.auth)
    if filters.metric:
        qs = qs.filter(metric=filters.metric)
    if filters.user_id:
        qs = qs.filter(user_id=filters.user_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.company is not None:
        company = {"user__isnull": True, "team__isnull": True}
        qs = qs.filter(**company) if filters.company else qs.exclude(**company)
    if filters.on:
        qs = qs.filter(start__lte=filters.on, end__gte=filters.on)
    page = page_of(qs, "id", filters)
    items = [
        goal_out(g, request.auth, pacing.progress(g) if filters.with_progress else None)
        for g in page.items
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@goals_router.get(
    "/{goal_id}", response={200: GoalOut, **READ_ERRORS}, openapi_extra=WITH_ETAG,
    summary="Read a goal with its attainment and pacing",
)  # fmt: skip
def get_goal(request: ApiRequest, response: HttpResponse, goal_id: int = PATH_ID):
    goal = services.get_visible_goal(request.auth, goal_id)
    set_etag(response, goal.version)
    return goal_out(goal, request.auth, pacing.progress(goal, with_points=True))


@goals_router.post("", response={201: GoalOut, **CREATE_ERRORS}, summary="Set a goal")
def create_goal(request: ApiRequest, response: HttpResponse, payload: GoalCreate):
    """Administrators for anyone and the company; managers for their team and its members."""
    with renamed_fields(ALIASES):
        goal = services.create_goal(request.auth, _data(payload.model_dump()))
    set_etag(response, goal.version)
    return Status(201, goal_out(goal, request.auth, pacing.progress(goal)))


@goals_router.patch(
    "/{goal_id}", response={200: GoalOut, **PATCH_ERRORS}, openapi_extra=WITH_ETAG,
    summary="Change a goal",
)  # fmt: skip
def update_goal(
    request: ApiRequest,
    response: HttpResponse,
    payload: GoalPatch,
    goal_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    """Send `If-Match` with the ETag you read: if the goal changed since, the answer is 412.
    `user_id` and `team_id` may be sent as null to make it the company's (administrators)."""
    goal = services.get_visible_goal(request.auth, goal_id)
    changes = payload.model_dump(exclude_unset=True)
    nulls = [n for n, v in changes.items() if v is None and n not in ("user_id", "team_id", "end")]
    if nulls:
        raise ValidationError({name: [_("This field may not be null.")] for name in nulls})
    version = expected_version(if_match, goal.version)
    with renamed_fields(ALIASES):
        goal = services.update_goal(request.auth, goal, _data(changes), version)
    set_etag(response, goal.version)
    return goal_out(goal, request.auth, pacing.progress(goal))


@goals_router.delete(
    "/{goal_id}", response={204: None, **PATCH_ERRORS}, summary="Delete a goal (recycle bin)"
)
def delete_goal(request: ApiRequest, goal_id: int = PATH_ID, if_match: str | None = IF_MATCH):
    goal = services.get_visible_goal(request.auth, goal_id)
    services.delete_goal(request.auth, goal, expected_version(if_match, goal.version))
    return Status(204, None)


@goals_router.post(
    "/{goal_id}/restore", response={200: GoalOut, **WRITE_ERRORS}, summary="Restore a goal"
)
def restore_goal(request: ApiRequest, goal_id: int = PATH_ID):
    with renamed_fields(ALIASES):
        goal = services.restore_goal(request.auth, goal_id)
    return goal_out(goal, request.auth, pacing.progress(goal))
