"""REST routes for sales targets (/api/v1/targets): what the forecast measures won amounts
against, set by managers for their team and by administrators for everyone.

Writes go through `sales.forecast.services`.
"""

import decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kehu.core.api_support import CREATE_ERRORS, READ_ERRORS, ApiRequest, Input, RowId
from kehu.sales.forecast import services as forecast

targets_router = Router(tags=["targets"])


class TargetOut(Schema):
    period: str
    user_id: int | None
    team_id: int | None
    amount: decimal.Decimal


class TargetPage(Schema):
    items: list[TargetOut]
    next_cursor: str | None = None


class TargetIn(Input):
    period: str = Field(max_length=7, description="`2026-Q4` or `2026-12`.")
    user_id: RowId | None = None
    team_id: RowId | None = None
    amount: decimal.Decimal | None = Field(
        ge=0, max_digits=16, decimal_places=2, description="null removes the target."
    )


@targets_router.get("", response={200: TargetPage, **READ_ERRORS}, summary="List targets")
def list_targets(
    request: ApiRequest,
    period: str | None = Query(None, max_length=7, description="`2026-Q4` or `2026-12`."),
):
    """The targets of a period that you may set (managers: their team; administrators: all)."""
    chosen = forecast.parse_period(period)
    users, teams = forecast.target_subjects(request.auth)
    if not forecast.can_set_targets(request.auth):
        raise PermissionDenied
    found = forecast.targets_of(chosen, users, teams)
    items = [
        {"period": chosen.label, "user_id": pk, "team_id": None, "amount": amount}
        for pk, amount in found["user"].items()
    ] + [
        {"period": chosen.label, "user_id": None, "team_id": pk, "amount": amount}
        for pk, amount in found["team"].items()
    ]
    return {"items": items, "next_cursor": None}


@targets_router.post(
    "", response={200: TargetOut, 204: None, **CREATE_ERRORS}, summary="Set a target"
)
def set_target(request: ApiRequest, payload: TargetIn):
    """Set the target of one person or team for a period; `amount: null` removes it."""
    period = forecast.parse_period(payload.period)
    if not forecast.can_set_targets(request.auth):
        raise PermissionDenied
    # only the people and teams whose targets the sender sets: anyone else (another team's,
    # an inactive user) is refused as one that does not exist, so the answer tells nothing
    users, teams = forecast.target_subjects(request.auth)
    user = next((u for u in users if u.pk == payload.user_id), None)
    team = next((t for t in teams if t.pk == payload.team_id), None)
    if payload.user_id and user is None:
        raise ValidationError({"user_id": [_("Choose someone whose target you may set.")]})
    if payload.team_id and team is None:
        raise ValidationError({"team_id": [_("Choose a team whose target you may set.")]})
    target = forecast.set_target(
        request.auth,
        period,
        user=user,
        team=team,
        amount=None if payload.amount is None else str(payload.amount),
    )
    if target is None:
        return Status(204, None)
    return {
        "period": period.label,
        "user_id": target.user_id,
        "team_id": target.team_id,
        "amount": target.amount,
    }
