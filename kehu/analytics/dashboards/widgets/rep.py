"""A rep's widgets: my goals with their pacing, my open pipeline, my tasks due, my deals without
a next step, my activity this week against my usual. Each reads only the viewer's own records
(narrowed to them as owner) among those they may see."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.analytics.dashboards.widgets import Ask, Line, Shown, Stat, Widget, register
from kehu.analytics.dashboards.widgets.common import deals_url, period, text, week_start
from kehu.analytics.metrics import compute, value, zone_of
from kehu.core import visibility
from kehu.web.charts import Chart, Series

ALL_ROLES = ("rep", "manager", "admin")
#: the most goals the "my goals" widget shows (each is one or two queries)
MAX_GOALS = 4
#: weeks before this one that make "my usual"
USUAL_WEEKS = 8


def _mine(ask: Ask) -> dict[str, Any]:
    return {"field": "owner", "op": "eq", "value": ask.user.pk}


def my_goals(ask: Ask) -> Shown:
    from kehu.analytics.goals import progress as pacing
    from kehu.analytics.goals.services import visible_goals

    goals = list(
        visible_goals(ask.user)
        .filter(user_id=ask.user.pk, start__lte=ask.today, end__gte=ask.today)
        .order_by("end", "metric", "id")[:MAX_GOALS]
    )
    if not goals:
        return Shown(empty=_("No goal is set for you for this period yet. Your manager sets "
                             "goals on the goals page."),
                     action=(_("Goals"), reverse("goal-list")))  # fmt: skip
    lines = []
    for goal in goals:
        found = pacing.progress(goal, now=ask.now)
        metric = compute.find(goal.metric)
        percent = "—" if found.percent is None else f"{found.percent}%"
        lines.append(Line(
            f"{metric.label} · {goal.get_period_display()}",
            f"{text(found.actual, metric.unit)} / {text(goal.target, metric.unit)} · {percent}",
            reverse("goal-detail", args=[goal.pk]),
            found.bar,
            _("%(status)s; expected by today: %(expected)s") % {
                "status": found.status_label, "expected": text(found.expected, metric.unit)},
        ))  # fmt: skip
    return Shown(lines=lines, more=(_("All goals"), reverse("goal-list")))


def my_pipeline(ask: Ask) -> Shown:
    if not visibility.can(ask.user, "sales", "read"):
        return Shown(empty=_("Your role does not include sales."))
    now = period(ask, "this_month")
    mine = _mine(ask)
    count = value("open_deals", ask.user, now, condition=mine, now=ask.now).total
    if not count.value:
        return Shown(empty=_("You have no open deals. A new deal starts your pipeline."),
                     action=(_("New deal"), reverse("deal-create")))  # fmt: skip
    total = value("pipeline_value", ask.user, now, condition=mine, now=ask.now).total
    weighted = value("pipeline_weighted", ask.user, now, condition=mine, now=ask.now).total
    by_stage = value("pipeline_value", ask.user, now, group_by="stage", condition=mine,
                     now=ask.now)  # fmt: skip
    link = deals_url(owner=ask.user.pk, status="open")
    groups = by_stage.groups or []
    chart = Chart(
        kind="bar", title=_("My open pipeline by stage"),
        categories=[g.label for g in groups],
        series=[Series(_("Open pipeline"), [g.number.value for g in groups])],
        unit="money", currency=by_stage.currency or "",
        links=[deals_url(owner=ask.user.pk, status="open", stage=g.key) for g in groups],
        category_label=_("Stage"), key=f"w-my-pipeline-{ask.user.pk}",
    )  # fmt: skip
    return Shown(
        stats=[
            Stat(_("Open deals"), text(count, "count"), link, count.value),
            Stat(_("Open pipeline"), text(total, "money"), link, total.value),
            Stat(_("Weighted"), text(weighted, "money"), link, weighted.value,
                 _("Each deal at its amount × its stage's win probability.")),
        ],
        chart=chart,
    )  # fmt: skip


def my_tasks(ask: Ask) -> Shown:
    from kehu.activities.models import Activity

    zone = zone_of(ask.user)
    start = datetime.datetime.combine(ask.today, datetime.time.min, tzinfo=zone)
    tomorrow = start + datetime.timedelta(days=1)
    tasks = Activity.objects.visible_to(ask.user).open_tasks().filter(owner_id=ask.user.pk)
    from django.db.models import Count, Q

    found = tasks.order_by().aggregate(
        overdue=Count("id", filter=Q(due_at__lt=start)),
        today=Count("id", filter=Q(due_at__gte=start, due_at__lt=tomorrow)),
    )
    link = reverse("my-day")
    if not found["overdue"] and not found["today"]:
        return Shown(empty=_("Nothing is due today and nothing is overdue."),
                     action=(_("My day"), link))  # fmt: skip
    return Shown(stats=[
        Stat(_("Due today"), str(found["today"]), link, found["today"]),
        Stat(_("Overdue"), str(found["overdue"]), link, found["overdue"],
             _("Open tasks past their due time.")),
    ])  # fmt: skip


def deals_without_next_step(ask: Ask) -> Shown:
    from kehu.sales.models import Deal

    if not visibility.can(ask.user, "sales", "read"):
        return Shown(empty=_("Your role does not include sales."))
    counted = (
        Deal.objects.visible_to(ask.user)
        .filter(owner_id=ask.user.pk, closed_at__isnull=True, next_step="",
                next_step_due__isnull=True)
        .order_by().count()
    )  # fmt: skip
    if not counted:
        return Shown(empty=_("Every open deal of yours has a next step."))
    link = deals_url(owner=ask.user.pk, status="open", next_step="none")
    return Shown(stats=[Stat(_("Open deals without a next step"), str(counted), link, counted,
                             _("Give each a next step so nothing goes quiet."))])  # fmt: skip


def my_activity(ask: Ask) -> Shown:
    from kehu.analytics.adoption import queries

    monday = week_start(ask.today)
    since = monday - datetime.timedelta(weeks=USUAL_WEEKS)
    weeks = {w.week: w for w in queries.trend(ask.user, since=since, user_ids=[ask.user.pk])}
    this = weeks.get(monday)
    logged = this.activities_logged if this else 0
    mondays = [monday - datetime.timedelta(weeks=n) for n in range(1, USUAL_WEEKS + 1)]
    before = [weeks[m].activities_logged if m in weeks else 0 for m in mondays]
    if not logged and not any(before):
        return Shown(empty=_("No activity logged yet. Log a call, a meeting or a note on a "
                             "customer and it counts here."),
                     action=(_("Calendar"), reverse("calendar")))  # fmt: skip
    usual = decimal.Decimal(sum(before)) / USUAL_WEEKS
    link = reverse("calendar")
    labels = [_("This week"), _("My usual week")]
    chart = Chart(
        kind="bar", title=_("Activities logged"), categories=labels,
        series=[Series(_("Activities"), [logged, usual.quantize(decimal.Decimal("0.1"))])],
        links=[link, link], category_label=_("Week"), key=f"w-my-activity-{ask.user.pk}",
        note=_("Calls, meetings, tasks, notes and emails; usual: the average of the %(n)s "
               "weeks before.") % {"n": USUAL_WEEKS},
    )  # fmt: skip
    return Shown(
        stats=[
            Stat(_("This week"), str(logged), link, logged),
            Stat(_("My usual week"), text(usual.quantize(decimal.Decimal("0.1")), "count"),
                 link, usual),
        ],
        chart=chart,
    )  # fmt: skip


register(
    Widget(
        "my_goals",
        gettext_lazy("My goals"),
        ALL_ROLES,
        my_goals,
        gettext_lazy("Attainment and pacing of your goals of this month and quarter."),
    )
)
register(
    Widget(
        "my_pipeline",
        gettext_lazy("My open pipeline"),
        ALL_ROLES,
        my_pipeline,
        gettext_lazy("Your open deals: value, weighted value and by stage."),
    )
)
register(
    Widget(
        "my_tasks",
        gettext_lazy("Due today and overdue"),
        (*ALL_ROLES, "support"),
        my_tasks,
        gettext_lazy("Your open tasks due today and those past due."),
    )
)
register(
    Widget(
        "deals_without_next_step",
        gettext_lazy("Deals without a next step"),
        ALL_ROLES,
        deals_without_next_step,
        gettext_lazy("Your open deals with no next step and no next-step date."),
    )
)
register(
    Widget(
        "my_activity",
        gettext_lazy("My activity this week"),
        (*ALL_ROLES, "support"),
        my_activity,
        gettext_lazy("Activities you logged this week against your usual week."),
    )
)
