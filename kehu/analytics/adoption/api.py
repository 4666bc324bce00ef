# mypy: disable-error-code="no-untyped-def"
"""REST route of staff adoption (/api/v1/adoption): the weekly numbers of the colleagues the
caller may see (a rep: themself; a manager: their team; an administrator: everyone), as the
staff adoption page shows them (decision 0035)."""

import datetime
import decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kehu.analytics.adoption import queries
from kehu.core.api_support import READ_ERRORS, ApiRequest, QueryParams

adoption_router = Router(tags=["adoption"])
DEFAULT_WEEKS = 4


class AdoptionWeekOut(Schema):
    week: datetime.date = Field(description="Its Monday (ISO weeks).")
    active_days: int
    logins: int
    actions: int
    records_created: int
    records_updated: int
    activities_logged: int = Field(description="Calls, meetings, tasks, notes and emails.")
    tasks_done: int
    tasks_done_on_time: int


class AdoptionShareOut(Schema):
    part: int
    whole: int


class AdoptionPersonOut(Schema):
    user_id: int
    username: str
    team_id: int | None
    weeks: list[AdoptionWeekOut]
    open_deals_with_next_step: AdoptionShareOut = Field(description="Now.")
    people_with_contact_data: AdoptionShareOut = Field(
        description="Now: a phone or email, and a company."
    )
    overdue_tasks: int = Field(description="Now.")
    first_touch_hours: decimal.Decimal | None = Field(
        description="Median hours to the first touch of the leads created from `start` to `end`; "
        "null when none was touched."
    )
    untouched_leads: int


class AdoptionOut(Schema):
    start: datetime.date
    end: datetime.date
    go_live: datetime.date | None = Field(description="The first day any of them used Kehu.")
    items: list[AdoptionPersonOut]


class AdoptionParams(QueryParams):
    start: datetime.date | None = Field(None, description="Default: the Monday 3 weeks ago.")
    end: datetime.date | None = Field(None, description="Default: today.")


def _week(week: queries.Week) -> dict:
    return {"week": week.week, "active_days": week.active_days,
            "activities_logged": week.activities_logged,
            **{name: week.sums[name] for name in ("logins", "actions", "records_created",
                                                  "records_updated", "tasks_done",
                                                  "tasks_done_on_time")}}  # fmt: skip


@adoption_router.get("", response={200: AdoptionOut, **READ_ERRORS}, summary="Staff adoption")
def get_adoption(request: ApiRequest, params: Query[AdoptionParams]):
    """Per colleague you may see, one row per ISO week from `start` to `end` (at most 53, the
    latest), and the state of their records now. 422 when `end` is before `start`."""
    viewer = request.auth
    end = params.end or timezone.localdate()
    start = params.start or queries.week_start(end) - datetime.timedelta(weeks=DEFAULT_WEEKS - 1)
    if end < start:
        raise ValidationError({"end": [_("The end date must not be before the start date.")]})
    rows = queries.weekly_by_user(viewer, start, end)
    next_steps = queries.deals_with_next_step(viewer)
    contacts = queries.people_with_contact_data(viewer)
    overdue = queries.overdue_tasks(viewer)
    touches = queries.first_touch(viewer, start, end)
    items = []
    for row in rows:
        pk = row.user.pk
        touch = touches.get(pk)
        median = touch.median if touch else None
        step, contact = next_steps.get(pk) or queries.Share(), contacts.get(pk) or queries.Share()
        items.append({
            "user_id": pk, "username": row.user.username, "team_id": row.user.team_id,
            "weeks": [_week(w) for w in row.weeks],
            "open_deals_with_next_step": {"part": step.part, "whole": step.whole},
            "people_with_contact_data": {"part": contact.part, "whole": contact.whole},
            "overdue_tasks": overdue.get(pk, 0),
            "first_touch_hours": None if median is None else
            decimal.Decimal(str(round(median.total_seconds() / 3600, 2))),
            "untouched_leads": touch.untouched if touch else 0,
        })  # fmt: skip
    return {"start": start, "end": end, "go_live": queries.go_live(viewer), "items": items}
