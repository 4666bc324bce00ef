"""The sales forecast of a month or a quarter, by owner, team or pipeline, against targets.

For the deals a user may see:
- weighted: open deals expected to close in the period, each amount × its stage's probability;
- best case: the same deals at their full amount;
- committed: those of them in a stage with a win probability of COMMIT_PROBABILITY or more;
- won: deals that entered a won stage during the period.
Amounts are converted to the company currency at the app's exchange rates. Two grouped queries
on covering indexes (`deal_forecast_open_idx`, `deal_forecast_closed_idx`) read the period;
everything else is summed here.
"""

import calendar
import datetime
import decimal
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import Team, User
from kehu.analytics.goals import services as goals
from kehu.analytics.goals.models import Goal
from kehu.core import visibility
from kehu.core.access import users_in_scope
from kehu.sales.deals import services
from kehu.sales.deals.queries import in_company_currency, rates
from kehu.sales.forecast.models import TARGET_METRIC
from kehu.sales.models import Deal, Pipeline, SalesTarget, Stage

COMMIT_PROBABILITY = 70
GROUPS = ("owner", "team", "pipeline")
ZERO = decimal.Decimal("0.00")
_PERIOD = re.compile(r"^(\d{4})-(?:Q([1-4])|(0[1-9]|1[0-2]))$")


@dataclass(frozen=True)
class Period:
    kind: str  # "month" or "quarter"
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    def shifted(self, steps: int) -> "Period":
        months = 3 if self.kind == "quarter" else 1
        index = self.start.year * 12 + self.start.month - 1 + steps * months
        return _period(self.kind, index // 12, index % 12 + 1)


def _period(kind: str, year: int, month: int) -> Period:
    start = datetime.date(year, month, 1)
    last_month = month + (2 if kind == "quarter" else 0)
    end = datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return Period(kind, start, end)


def parse_period(value: str | None) -> Period:
    """The period a label names: a quarter (2026-Q4) or a month (2026-12); empty: this
    quarter. Raises ValidationError."""
    if not value:
        today = timezone.localdate()
        return _period("quarter", today.year, (today.month - 1) // 3 * 3 + 1)
    match = _PERIOD.match(value.strip())
    if not match or not 1900 <= int(match.group(1)) <= 9998:
        raise ValidationError(
            {"period": [_("Enter a quarter such as 2026-Q4 or a month such as 2026-12.")]}
        )
    year = int(match.group(1))
    if match.group(2):
        return _period("quarter", year, (int(match.group(2)) - 1) * 3 + 1)
    return _period("month", year, int(match.group(3)))


@dataclass
class Row:
    key: object
    label: str
    weighted: decimal.Decimal = ZERO
    best_case: decimal.Decimal = ZERO
    committed: decimal.Decimal = ZERO
    won: decimal.Decimal = ZERO
    target: decimal.Decimal | None = None
    deals: int = 0

    @property
    def attainment(self) -> int | None:
        """Won as a percentage of the target."""
        if not self.target:
            return None
        return int(self.won * 100 / self.target)


@dataclass
class Forecast:
    period: Period
    group: str
    rows: list[Row] = field(default_factory=list)
    total: Row = field(default_factory=lambda: Row(None, ""))


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def forecast(user: User, period: Period, group: str = "owner") -> Forecast:
    visibility.require(user, "sales", "read")
    if group not in GROUPS:
        raise ValidationError({"group": [_("Group by owner, team or pipeline.")]})
    deals = Deal.objects.visible_to(user).order_by()
    stages = {s.pk: s for s in Stage.objects.all()}
    won_ids = [pk for pk, s in stages.items() if s.kind == Stage.Kind.WON]
    open_rows = (
        deals.filter(
            closed_at__isnull=True,
            expected_close__gte=period.start,
            expected_close__lte=period.end,
        )
        .values_list("owner_id", "stage_id", "currency")
        .annotate(total=Sum("amount"))
    )
    won_rows = (
        deals.filter(
            closed_at__isnull=False,
            closed_at__gte=_moment(period.start),
            closed_at__lt=_moment(period.end + datetime.timedelta(days=1)),
            stage_id__in=won_ids,
        )
        .values_list("owner_id", "stage_id", "currency")
        .annotate(total=Sum("amount"))
    )
    rate_of = rates()
    owners = {u.pk: u for u in User.objects.select_related("team")}
    rows: dict[object, Row] = {}

    def row_for(owner_id: int, stage_id: int) -> Row:
        key: int | None
        if group == "owner":
            key, label = owner_id, str(owners.get(owner_id, owner_id))
        elif group == "team":
            team = owners[owner_id].team if owner_id in owners else None
            key, label = (team.pk, team.name) if team else (None, _("No team"))
        else:
            pipeline = stages[stage_id].pipeline
            key, label = pipeline.pk, pipeline.display_name
        if key not in rows:
            rows[key] = Row(key, label)
        return rows[key]

    pipelines = {p.pk: p for p in Pipeline.objects.all()}
    for stage in stages.values():
        stage.pipeline = pipelines[stage.pipeline_id]
    for owner_id, stage_id, currency, total in open_rows:
        amount = in_company_currency({currency: total}, rate_of)
        row = row_for(owner_id, stage_id)
        probability = stages[stage_id].probability
        row.best_case += amount
        row.weighted += (amount * probability / 100).quantize(ZERO)
        if probability >= COMMIT_PROBABILITY:
            row.committed += amount
    for owner_id, stage_id, currency, total in won_rows:
        row_for(owner_id, stage_id).won += in_company_currency({currency: total}, rate_of)
    _add_targets(user, period, group, rows, owners)
    result = Forecast(period, group, sorted(rows.values(), key=lambda r: (-r.won, r.label)))
    total = result.total
    for row in result.rows:
        total.weighted += row.weighted
        total.best_case += row.best_case
        total.committed += row.committed
        total.won += row.won
        if row.target is not None:
            total.target = (total.target or ZERO) + row.target
    return result


def _add_targets(
    user: User, period: Period, group: str, rows: dict[object, Row], owners: dict[int, User]
) -> None:
    """Each row's target; people and teams with a target but no deal get a row too."""
    if group == "pipeline":
        return
    targets = SalesTarget.objects.filter(period=period.kind, start=period.start)
    visible_owners = _visible_owner_ids(user)
    if group == "owner":
        for target in targets.filter(user__isnull=False):
            assert target.user_id is not None  # the query asks for people's targets
            if visible_owners is not None and target.user_id not in visible_owners:
                continue
            label = str(owners.get(target.user_id, target.user_id))
            rows.setdefault(target.user_id, Row(target.user_id, label)).target = target.amount
        return
    scope = visibility.scope_of(user)
    if scope == visibility.SCOPE_OWN:
        return  # a team's target is for those who see the team's deals
    for target in targets.filter(team__isnull=False).select_related("team"):
        if scope != visibility.SCOPE_ALL and target.team_id != user.team_id:
            continue
        assert target.team is not None  # the query asks for team targets
        rows.setdefault(
            target.team_id, Row(target.team_id, target.team.name)
        ).target = target.amount


def _visible_owner_ids(user: User) -> set[int] | None:
    owners = visibility.owners_in_scope(user)
    if owners is None:
        return None
    if isinstance(owners, int):
        return {owners}
    return set(owners.values_list("id", flat=True))


# --- targets: managers for their team, administrators for everyone --------------------------


def can_set_targets(actor: User) -> bool:
    return bool(
        actor.is_authenticated
        and (
            actor.is_admin
            or visibility.scope_of(actor) in (visibility.SCOPE_TEAM, visibility.SCOPE_ALL)
        )
        and visibility.can(actor, "sales", "edit")
    )


def target_subjects(actor: User) -> tuple[list[User], list[Team]]:
    """The people and teams `actor` may set targets for."""
    if not can_set_targets(actor):
        return [], []
    teams = Team.objects.order_by("name")
    if actor.is_admin:
        # an administrator sets anyone's target, whatever their own record scope
        users = users_in_scope(actor, "sales", "edit", scope=visibility.SCOPE_ALL)
        return list(users), list(teams)
    if visibility.scope_of(actor) == visibility.SCOPE_ALL:
        return list(users_in_scope(actor, "sales", "edit")), list(teams)
    if not actor.team_id:
        return [], []  # a team manager without a team has nobody to set targets for
    users = users_in_scope(actor, "sales", "edit")
    return list(users), list(teams.filter(pk=actor.team_id))


def set_target(actor: User, period: Period, *, user: User | None = None,
               team: Team | None = None, amount: Any) -> SalesTarget | None:  # fmt: skip
    """Set (or, with an empty amount, remove) the target of a user or a team for `period`: a
    goal on `revenue_won` (decision 0036), written through the goals' service."""
    users, teams = target_subjects(actor)
    if (user is None) == (team is None):
        raise ValidationError(_("Set a target for a person or for a team."))
    allowed = {u.pk for u in users} if user is not None else {t.pk for t in teams}
    subject = user if user is not None else team
    assert subject is not None  # one of the two (checked above)
    subject_id = subject.pk
    if subject_id not in allowed:
        raise PermissionDenied(_("You may not set this target."))
    lookup: dict[str, Any] = {"period": period.kind, "start": period.start}
    lookup["user_id" if user is not None else "team_id"] = subject_id
    with transaction.atomic():
        current = SalesTarget.objects.select_for_update().filter(**lookup).first()
        if amount in (None, ""):
            if current is not None:
                goals.delete_goal(actor, current)
            return None
        try:
            value = services.clean_amount(amount)
        except ValidationError as exc:
            raise ValidationError({"amount": exc.message_dict["amount"]}) from exc
        goal: Goal | None = current
        if goal is None:
            data = {"metric": TARGET_METRIC, "period": period.kind, "start": period.start,
                    "user": user, "team": team, "target": value}  # fmt: skip
            try:
                with transaction.atomic():
                    goal = goals.create_goal(actor, data)
            except ValidationError:  # someone saved the first target of this period meanwhile
                goal = SalesTarget.objects.select_for_update().filter(**lookup).first()
                if goal is None:
                    raise
        if goal.target != value:
            goal = goals.update_goal(actor, goal, {"target": value})
    return SalesTarget.objects.get(pk=goal.pk)


def set_targets(actor: User, period: Period, amounts: dict[tuple[str, int], str]) -> None:
    """Set many targets at once, all or none: `amounts` maps ("user" | "team", id) to an
    amount ("" removes the target). Problems come back per field, named "user-<id>"."""
    users, teams = target_subjects(actor)
    subjects = {("user", u.pk): u for u in users} | {("team", t.pk): t for t in teams}
    problems: dict[str, list[str]] = {}
    with transaction.atomic():
        for (kind, pk), amount in amounts.items():
            if (kind, pk) not in subjects:
                raise PermissionDenied(_("You may not set this target."))
            subject = subjects[(kind, pk)]
            try:
                if isinstance(subject, User):
                    set_target(actor, period, user=subject, amount=amount)
                else:
                    set_target(actor, period, team=subject, amount=amount)
            except ValidationError as exc:
                problems[f"{kind}-{pk}"] = exc.messages
        if problems:
            transaction.set_rollback(True)
    if problems:
        raise ValidationError(problems)


def targets_of(
    period: Period, users: list[User], teams: list[Team]
) -> dict[str, dict[int, decimal.Decimal]]:
    found = SalesTarget.objects.filter(period=period.kind, start=period.start).filter(
        Q(user__in=users) | Q(team__in=teams)
    )
    result: dict[str, dict[int, decimal.Decimal]] = {"user": {}, "team": {}}
    for target in found:
        if target.user_id:
            result["user"][target.user_id] = target.amount
        elif target.team_id is not None:
            result["team"][target.team_id] = target.amount
    return result
