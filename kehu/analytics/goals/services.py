"""Who sees and who sets which goals, and the only writers of goals.

Seeing: a goal about a person is seen by that person and by whoever sees that person's records
(their team's manager, anyone with the record scope "all"); a team's goal by its members and
by those with the scope "all"; a company goal by those with the scope "all" and administrators.
Always only goals on metrics whose records the viewer may read at all.
Setting: administrators and people with the scope "all" (and the right to edit the metric's
records) for anyone; a team's manager (scope "team") for their team and its members; reps not.
"""

from __future__ import annotations

import calendar
import datetime
import decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kehu.accounts.models import Team, User
from kehu.analytics.goals.models import Goal
from kehu.analytics.metrics import periods, registry
from kehu.core import audit, visibility
from kehu.core.access import users_in_scope
from kehu.core.records import check_version

FIELDS = ["metric", "user", "team", "period", "start", "end", "target"]
MAX_TARGET = decimal.Decimal("99999999999999.99")
KINDS = [choice for choice, _label in Goal.Period.choices]


# --- the metrics a goal may be set on -------------------------------------------------------


def module_of(metric_key: str) -> str:
    """The permission module of the metric's records ("sales", "activities" …)."""
    return str(registry.metric(metric_key).model.module)


def goal_metrics() -> list[registry.Metric]:
    """The catalogue's metrics counted over a period (a snapshot of now, such as the open
    pipeline, has no period to reach a target in)."""
    return [m for m in registry.metrics() if m.date is not None]


def _readable_metrics(viewer: User) -> list[str]:
    return [m.key for m in goal_metrics() if visibility.can(viewer, m.model.module, "read")]


# --- seeing ---------------------------------------------------------------------------------


def _sees_everything(viewer: User) -> bool:
    return viewer.is_admin or visibility.scope_of(viewer) == visibility.SCOPE_ALL


def visible_goals(viewer: User, binned: bool = False) -> QuerySet[Goal]:
    """The one door for reading goals: those about subjects `viewer` may see (module
    docstring); with `binned`, those of them in the recycle bin instead of the live ones."""
    if not visibility._is_live(viewer):
        return Goal.objects.none()
    base = Goal.all_objects.filter(deleted_at__isnull=False) if binned else Goal.objects.all()
    goals = base.filter(metric__in=_readable_metrics(viewer))
    if _sees_everything(viewer):
        return goals
    about = Q(user_id=viewer.pk)
    if viewer.team_id:
        about |= Q(team_id=viewer.team_id)
        if visibility.scope_of(viewer) == visibility.SCOPE_TEAM:
            about |= Q(user__team_id=viewer.team_id)
    return goals.filter(about)


def get_visible_goal(viewer: User, pk: Any) -> Goal:
    """The goal `pk` when `viewer` may see it; Http404 otherwise (never a hint it exists)."""
    try:
        number = int(pk)
    except (TypeError, ValueError, OverflowError):
        raise Http404 from None
    goal = visible_goals(viewer).select_related("user", "team").filter(pk=number).first()
    if goal is None:
        raise Http404
    return goal


# --- setting --------------------------------------------------------------------------------


def can_set_goals(actor: User, module: str = "sales") -> bool:
    return bool(
        visibility._is_live(actor)
        and (actor.is_admin or visibility.scope_of(actor) in (visibility.SCOPE_TEAM,
                                                               visibility.SCOPE_ALL))
        and visibility.can(actor, module, "edit")
    )  # fmt: skip


def goal_subjects(actor: User, module: str = "sales") -> tuple[list[User], list[Team], bool]:
    """The people, the teams and whether the whole company: whose goals `actor` may set on
    metrics of `module`."""
    if not can_set_goals(actor, module):
        return [], [], False
    teams = Team.objects.order_by("name")
    if actor.is_admin:
        # an administrator sets anyone's goal, whatever their own record scope
        users = users_in_scope(actor, module, "edit", scope=visibility.SCOPE_ALL)
        return list(users), list(teams), True
    if visibility.scope_of(actor) == visibility.SCOPE_ALL:
        return list(users_in_scope(actor, module, "edit")), list(teams), True
    if not actor.team_id:
        return [], [], False  # a team manager without a team has nobody to set goals for
    users = users_in_scope(actor, module, "edit")
    return list(users), list(teams.filter(pk=actor.team_id)), False


def may_change(actor: User, goal: Goal) -> bool:
    """Whether `actor` may change or delete `goal` (one they can see)."""
    if goal.metric not in {m.key for m in goal_metrics()}:
        return actor.is_admin
    users, teams, company = goal_subjects(actor, module_of(goal.metric))
    if goal.user_id:
        return goal.user_id in {u.pk for u in users}
    if goal.team_id:
        return goal.team_id in {t.pk for t in teams}
    return company


def _pk(value: Any, field: str, message: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, User | Team):
        return value.pk
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError({field: [message]}) from None
    if not 0 < number < 2**63:
        raise ValidationError({field: [message]})
    return number


def period_bounds(kind: str, start: datetime.date, end: datetime.date | None = None
                  ) -> tuple[datetime.date, datetime.date]:  # fmt: skip
    """The first and last day of the month, quarter or year `start` falls in; a custom period
    is `start`–`end` as given."""
    if kind == "custom":
        assert end is not None
        return start, end
    if kind == "month":
        first, months = start.replace(day=1), 1
    elif kind == "quarter":
        first, months = start.replace(day=1, month=(start.month - 1) // 3 * 3 + 1), 3
    else:
        first, months = start.replace(day=1, month=1), 12
    last_month = first.month + months - 1
    return first, datetime.date(
        first.year, last_month, calendar.monthrange(first.year, last_month)[1]
    )


def _day(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if value in (None, ""):
        return None
    try:
        return parse_date(str(value))
    except ValueError:
        return None


def _clean(actor: User, goal: Goal, data: dict[str, Any]) -> None:
    """Apply `data` (metric, user, team, period, start, end, target) to `goal`, checked: a
    ValidationError naming each bad field, and nothing applied, when wrong; PermissionDenied
    when `actor` may set no goals at all."""
    errors: dict[str, list[str]] = {}
    key = str(data.get("metric", goal.metric) or "")
    metric = next((m for m in goal_metrics() if m.key == key), None)
    if metric is None:
        errors["metric"] = [_("Choose a metric from the catalogue that is counted over a period.")]
    module = metric.model.module if metric is not None else "sales"
    if not can_set_goals(actor, module):
        raise PermissionDenied(_("You may not set goals."))
    users, teams, company = goal_subjects(actor, module)
    user_id = _pk(data.get("user", goal.user_id), "user",
                  _("Choose someone whose goal you may set."))  # fmt: skip
    team_id = _pk(data.get("team", goal.team_id), "team",
                  _("Choose a team whose goal you may set."))  # fmt: skip
    if user_id and team_id:
        errors["team"] = [_("A goal is for a person, a team or the whole company: choose one.")]
    elif user_id and user_id not in {u.pk for u in users}:
        errors["user"] = [_("Choose someone whose goal you may set.")]
    elif team_id and team_id not in {t.pk for t in teams}:
        errors["team"] = [_("Choose a team whose goal you may set.")]
    elif not user_id and not team_id and not company:
        errors["user"] = [_("Only administrators set goals for the whole company.")]
    if metric is not None and not errors.get("user") and not errors.get("team"):
        needed = "owner" if user_id else "team" if team_id else None
        if needed and needed not in metric.dimensions:
            field = "user" if user_id else "team"
            errors[field] = [_("This metric is counted for the whole company only.")]
    kind = str(data.get("period", goal.period) or "")
    start = _day(data.get("start", goal.start))
    end = _day(data.get("end", goal.end)) if kind == "custom" else None
    if kind not in KINDS:
        errors["period"] = [_("Choose a month, a quarter, a year or a custom period.")]
    elif start is None:
        errors["start"] = [_("Enter a date such as 2026-12-01.")]
    elif kind == "custom" and end is None:
        errors["end"] = [_("A custom period needs a start and an end date.")]
    else:
        try:
            periods.period("custom", start, start, end or start)  # dates in range, in order
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        target = decimal.Decimal(str(data.get("target", goal.target))).quantize(
            decimal.Decimal("0.01")
        )
        if not target.is_finite() or not 0 <= target <= MAX_TARGET:
            raise ValueError
    except (decimal.InvalidOperation, ValueError, TypeError):
        errors["target"] = [_("Enter a target between 0 and 99,999,999,999,999.99.")]
    if errors:
        raise ValidationError(errors)
    assert start is not None and metric is not None
    goal.metric, goal.user_id, goal.team_id, goal.period = key, user_id, team_id, kind
    goal.start, goal.end = period_bounds(kind, start, end)
    goal.target = target


def _duplicate(goal: Goal) -> bool:
    subject: dict[str, Any] = {"user_id": goal.user_id, "team_id": goal.team_id}
    same = Goal.objects.filter(
        metric=goal.metric, period=goal.period, start=goal.start, end=goal.end, **subject
    )
    return same.exclude(pk=goal.pk).exists()


def _duplicate_error() -> ValidationError:
    return ValidationError(
        {"period": [_("There is already a goal on this metric for this subject and period.")]}
    )


def _save(goal: Goal) -> None:
    if _duplicate(goal):
        raise _duplicate_error()
    try:
        with transaction.atomic():
            goal.save()
    except IntegrityError:  # someone saved the same goal meanwhile
        raise _duplicate_error() from None


def create_goal(actor: User, data: dict[str, Any]) -> Goal:
    """A new goal (module docstring says who may set whose)."""
    goal = Goal(target=decimal.Decimal(0))
    _clean(actor, goal, data)
    goal.created_by = actor
    with transaction.atomic():
        _save(goal)
        audit.record(actor, goal, "create", audit.diff({}, audit.snapshot(goal, FIELDS)))
    return goal


def update_goal(actor: User, goal: Goal, changes: dict[str, Any],
                expected_version: int | None = None) -> Goal:  # fmt: skip
    """Change a goal's target, period, metric or subject. VersionConflict, and nothing changed,
    when someone changed it since `expected_version`."""
    if not may_change(actor, goal):
        raise PermissionDenied(_("You may not change this goal."))
    with transaction.atomic():
        current = Goal.objects.select_for_update().filter(pk=goal.pk).first()
        if current is None:
            raise ValidationError(_("This record has been deleted."))
        check_version(current, expected_version, changes)
        before = audit.snapshot(current, FIELDS)
        _clean(actor, current, changes)
        after = audit.snapshot(current, FIELDS)
        if after != before:
            current.version += 1
            current.updated_at = timezone.now()
            _save(current)
            audit.record(actor, current, "update", audit.diff(before, after))
    return current


def delete_goal(actor: User, goal: Goal, expected_version: int | None = None) -> None:
    """Move a goal to the recycle bin (restore_goal brings it back)."""
    if not may_change(actor, goal):
        raise PermissionDenied(_("You may not change this goal."))
    with transaction.atomic():
        current = Goal.objects.select_for_update().filter(pk=goal.pk).first()
        if current is None:
            return
        check_version(current, expected_version)
        current.deleted_at, current.deleted_by = timezone.now(), actor
        current.version += 1
        current.save(update_fields=["deleted_at", "deleted_by", "version"])
        audit.record(actor, current, "delete")


def restore_goal(actor: User, pk: Any) -> Goal:
    """Bring a goal back from the recycle bin, unless another goal took its place meanwhile."""
    goal = visible_goals(actor, binned=True).filter(pk=_pk(pk, "id", "") or 0).first()
    if goal is None or not may_change(actor, goal):
        raise Http404
    with transaction.atomic():
        goal.deleted_at, goal.deleted_by = None, None
        goal.version += 1
        _save(goal)
        audit.record(actor, goal, "restore")
    return goal
