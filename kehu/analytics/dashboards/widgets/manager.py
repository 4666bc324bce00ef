"""A manager's widgets, over the team they may see (an administrator or a role with the scope
"all": everyone): attainment by member, pipeline coverage, win rate / deal size / cycle,
activity by member, stale deals and the forecast of this month."""

from __future__ import annotations

import decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.analytics.dashboards.widgets import Ask, Line, Shown, Stat, Widget, register
from kehu.analytics.dashboards.widgets.common import (
    closed_in,
    deals_url,
    period,
    text,
    week_start,
)
from kehu.analytics.metrics import value
from kehu.core import visibility
from kehu.core.access import users_in_scope
from kehu.web.charts import Chart, Series

MANAGER_ROLES = ("manager", "admin")
#: the most members a leaderboard or an activity chart shows (the best first)
MAX_MEMBERS = 15
MAX_STALE_SHOWN = 5
HUNDRED = decimal.Decimal(100)
GOAL_METRIC = "revenue_won"


def _no_sales(ask: Ask) -> Shown | None:
    if not visibility.can(ask.user, "sales", "read"):
        return Shown(empty=_("Your role does not include sales."))
    return None


def team_attainment(ask: Ask) -> Shown:
    """Revenue won this month per member against their monthly revenue goal, best first."""
    from kehu.analytics.goals.services import visible_goals

    if (refused := _no_sales(ask)) is not None:
        return refused
    month = period(ask, "this_month")
    members = {u.pk: u for u in users_in_scope(ask.user, "sales")[:500]}
    won = value(GOAL_METRIC, ask.user, month, group_by="owner", now=ask.now)
    by_owner = {g.key: g.number.value for g in won.groups or [] if g.key in members}
    goals = visible_goals(ask.user).filter(
        metric=GOAL_METRIC, user_id__in=list(members), period="month",
        start__lte=ask.today, end__gte=ask.today,
    ).values_list("user_id", "target")  # fmt: skip
    targets = dict(goals)
    if not by_owner and not targets:
        return Shown(empty=_("No deal won by the team this month yet, and no monthly revenue "
                             "goal set."), action=(_("Goals"), reverse("goal-list")))  # fmt: skip
    rows = []
    for pk in set(by_owner) | set(targets):
        amount = decimal.Decimal(by_owner.get(pk) or 0)
        target = targets.get(pk)
        percent = (amount * HUNDRED / target).quantize(decimal.Decimal("0.1")) if target else None
        rows.append((pk, amount, target, percent))
    rows.sort(key=lambda r: (r[3] is None, -(r[3] or 0), -r[1], str(members[r[0]])))
    rows = rows[:MAX_MEMBERS]
    links = [deals_url(owner=pk, status="won", **closed_in(month)) for pk, *_r in rows]
    lines = [
        Line(str(members[pk]),
             f"{text(amount, 'money')}" + (f" / {text(target, 'money')} · {percent}%"
                                          if target else ""),
             link, float(min(percent, HUNDRED)) if percent is not None else None,
             "" if target else _("No monthly revenue goal"))
        for (pk, amount, target, percent), link in zip(rows, links, strict=True)
    ]  # fmt: skip
    # the lines with their bars are the leaderboard (a chart of the same shares adds nothing)
    return Shown(lines=lines, more=(_("Forecast"), reverse("deal-forecast")))


def _revenue_target(ask: Ask, kind: str) -> tuple[decimal.Decimal | None, Any]:
    """The revenue goal of the viewer's team for the period (a team goal, else the sum of its
    members' goals; for someone seeing everyone, a company goal or the sum of the teams')."""
    from kehu.analytics.goals.services import visible_goals

    p = period(ask, kind)
    goals = visible_goals(ask.user).filter(
        metric=GOAL_METRIC, period=kind.split("_")[1], start=p.start, end=p.end
    )
    everyone = visibility.scope_of(ask.user) == visibility.SCOPE_ALL
    found = list(goals.values_list("user_id", "team_id", "target"))
    company = [t for u, team, t in found if u is None and team is None]
    teams = [
        t for u, team, t in found if team is not None and (everyone or team == ask.user.team_id)
    ]
    people = [t for u, team, t in found if u is not None]
    for pick in ((company if everyone else []), teams, people):
        if pick:
            return sum(pick, decimal.Decimal(0)), p
    return None, p


def _label(p: Any) -> str:
    """ "2026-Q4" or "2026-12": the period a coverage is over."""
    if p.kind.endswith("quarter"):
        return f"{p.start.year}-Q{(p.start.month - 1) // 3 + 1}"
    return f"{p.start.year}-{p.start.month:02d}"


def pipeline_coverage(ask: Ask) -> Shown:
    """Open weighted pipeline ÷ the revenue still to win against this quarter's revenue goal,
    or this month's when no quarter goal is set."""
    if (refused := _no_sales(ask)) is not None:
        return refused
    for kind in ("this_quarter", "this_month"):
        target, goal_period = _revenue_target(ask, kind)
        if target is not None:
            break
    weighted = value("pipeline_weighted", ask.user, goal_period, now=ask.now).total
    open_link = deals_url(status="open")
    if target is None:
        return Shown(
            stats=[Stat(_("Weighted pipeline"), text(weighted, "money"), open_link,
                        weighted.value)],
            empty=_("Set a revenue goal for this quarter or month to see how well the "
                    "pipeline covers what is left to win."),
            action=(_("Goals"), reverse("goal-list")),
        )  # fmt: skip
    won = value(GOAL_METRIC, ask.user, goal_period, now=ask.now).total
    remaining = max(target - decimal.Decimal(won.value or 0), decimal.Decimal(0))
    coverage = (
        (decimal.Decimal(weighted.value or 0) / remaining).quantize(decimal.Decimal("0.01"))
        if remaining else None
    )  # fmt: skip
    shown = "—" if coverage is None else f"{coverage}×"
    label = {"period": _label(goal_period)}
    return Shown(stats=[
        Stat(_("Pipeline coverage"), shown, open_link, coverage,
             _("Open weighted pipeline ÷ revenue still to win in %(period)s.") % label
             if coverage is not None else _("The target of %(period)s is reached.") % label),
        Stat(_("Weighted pipeline"), text(weighted, "money"), open_link, weighted.value),
        Stat(_("Still to win"), text(remaining, "money"),
             deals_url(status="won", **closed_in(goal_period)), remaining,
             _("Target %(target)s − won %(won)s") % {"target": text(target, "money"),
                                                     "won": text(won, "money")}),
    ])  # fmt: skip


def sales_kpis(ask: Ask) -> Shown:
    if (refused := _no_sales(ask)) is not None:
        return refused
    quarter = period(ask, "this_quarter")
    won_link = deals_url(status="won", **closed_in(quarter))
    stats = []
    for key, unit in (("win_rate", "percent"), ("average_deal_size", "money"),
                      ("sales_cycle_days", "days")):  # fmt: skip
        found = value(key, ask.user, quarter, now=ask.now)
        number = found.total
        stats.append(Stat(str(found.metric.label), text(number, unit), won_link, number.value,
                          number.reason or str(found.metric.formula)))  # fmt: skip
    if all(s.value is None for s in stats):
        return Shown(empty=_("No deal was closed this quarter yet: win rate, deal size and "
                             "cycle length appear with the first one."))  # fmt: skip
    return Shown(stats=stats)


def activity_by_member(ask: Ask) -> Shown:
    from kehu.analytics.adoption import queries

    monday = week_start(ask.today)
    rows = [(r.user, r.weeks[-1].activities_logged if r.weeks else 0)
            for r in queries.weekly_by_user(ask.user, monday, ask.today)]  # fmt: skip
    rows = sorted(rows, key=lambda r: (-r[1], str(r[0])))[:MAX_MEMBERS]
    if not any(n for _u, n in rows):
        return Shown(empty=_("No activity logged by the team this week yet."))
    calendar = reverse("calendar")
    chart = Chart(
        kind="bar", title=_("Activities logged this week"),
        categories=[str(u) for u, _n in rows],
        series=[Series(_("Activities"), [n for _u, n in rows])],
        links=[f"{calendar}?owner={u.pk}" for u, _n in rows], category_label=_("Member"),
        key=f"w-activity-{ask.user.pk}",
        note=_("Calls, meetings, tasks, notes and emails logged since Monday."),
    )  # fmt: skip
    return Shown(chart=chart)


def _stale(ask: Ask) -> Any:
    from kehu.sales.deals.queries import stale_deals as stale
    from kehu.sales.models import Deal

    return Deal.objects.visible_to(ask.user).filter(stale(), closed_at__isnull=True)


def stale_deals(ask: Ask) -> Shown:
    if (refused := _no_sales(ask)) is not None:
        return refused
    deals = _stale(ask)
    counted = deals.order_by()[:1001].count()
    if not counted:
        return Shown(empty=_("No stale deal: every open deal changed within its pipeline's "
                             "limit."))  # fmt: skip
    oldest = deals.select_related("owner").order_by("updated_at", "id")[:MAX_STALE_SHOWN]
    lines = [Line(d.name, f"{d.owner} · {timezone.localtime(d.updated_at):%Y-%m-%d}",
                  d.get_absolute_url()) for d in oldest]  # fmt: skip
    return Shown(
        stats=[Stat(_("Stale deals"), "1,000+" if counted > 1000 else str(counted),
                    deals_url(status="open", stale="1"), counted,
                    _("Open deals without a change for longer than their pipeline allows."))],
        lines=lines,
    )  # fmt: skip


def forecast_this_month(ask: Ask) -> Shown:
    from kehu.sales.forecast import services as forecasting

    if (refused := _no_sales(ask)) is not None:
        return refused
    month = period(ask, "this_month")
    result = forecasting.forecast(ask.user, forecasting.Period("month", month.start, month.end))
    total = result.total
    if not result.rows:
        return Shown(empty=_("No open deal is expected to close this month and none was won "
                             "yet."), action=(_("Forecast"), reverse("deal-forecast")))  # fmt: skip
    open_link = deals_url(status="open", **closed_in(month))
    stats = [
        Stat(_("Won"), text(total.won, "money"), deals_url(status="won", **closed_in(month)),
             total.won),
        Stat(_("Committed"), text(total.committed, "money"), open_link, total.committed,
             _("Open deals closing this month in a stage of %(p)s%% or more.") % {
                 "p": forecasting.COMMIT_PROBABILITY}),
        Stat(_("Weighted"), text(total.weighted, "money"), open_link, total.weighted),
        Stat(_("Best case"), text(total.best_case, "money"), open_link, total.best_case),
    ]  # fmt: skip
    if total.target is not None:
        stats.append(Stat(_("Target"), text(total.target, "money"), reverse("goal-list"),
                          total.target))  # fmt: skip
    return Shown(stats=stats, more=(_("Forecast"), reverse("deal-forecast")))


register(
    Widget(
        "team_attainment",
        gettext_lazy("Team attainment"),
        MANAGER_ROLES,
        team_attainment,
        gettext_lazy("Revenue won this month by member against their goals."),
    )
)
register(
    Widget(
        "pipeline_coverage",
        gettext_lazy("Pipeline coverage"),
        MANAGER_ROLES,
        pipeline_coverage,
        gettext_lazy("Open weighted pipeline ÷ the revenue still to win this quarter (or month)."),
    )
)
register(
    Widget(
        "sales_kpis",
        gettext_lazy("Win rate, deal size, cycle"),
        MANAGER_ROLES,
        sales_kpis,
        gettext_lazy("This quarter's win rate, average deal size and sales cycle."),
    )
)
register(
    Widget(
        "activity_by_member",
        gettext_lazy("Activity by member"),
        MANAGER_ROLES,
        activity_by_member,
        gettext_lazy("Activities each member logged this week."),
        wide=True,
    )
)
register(
    Widget(
        "stale_deals",
        gettext_lazy("Stale deals"),
        MANAGER_ROLES,
        stale_deals,
        gettext_lazy("Open deals without a change for longer than their pipeline allows."),
    )
)
register(
    Widget(
        "forecast",
        gettext_lazy("Forecast this month"),
        MANAGER_ROLES,
        forecast_this_month,
        gettext_lazy("Won, committed, weighted and best case for this month."),
    )
)
