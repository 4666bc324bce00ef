"""Goal screens: the goals of a month (or any day's goals) with progress bars and status, a form
to set or change one (the metric picker shows each metric's definition), and a goal's page with
its attainment, pacing line, the records behind it and its earlier periods."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.models import User
from kehu.analytics.goals import progress as pacing
from kehu.analytics.goals import services
from kehu.analytics.goals.models import Goal
from kehu.analytics.metrics import registry
from kehu.analytics.metrics.compute import Job
from kehu.analytics.metrics.measures import Formula
from kehu.core.conditions import Context
from kehu.core.records import VersionConflict
from kehu.web.charts import Chart, Series

SUBJECT_FILTERS = ("", "mine", "team", "company")
RECORDS_SHOWN = 50
WON_DEAL_METRICS = ("revenue_won", "deals_won", "average_deal_size", "sales_cycle_days")


def _month(value: str | None) -> datetime.date:
    day = parse_date(f"{value}-01") if value else None
    return day or pacing.today().replace(day=1)


def _shift(month: datetime.date, steps: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + steps
    return datetime.date(index // 12, index % 12 + 1, 1)


def subject_label(goal: Goal) -> str:
    if goal.user_id:
        return str(goal.user)
    if goal.team_id:
        return goal.team.name if goal.team else ""
    return _("Whole company")


def period_label(goal: Goal) -> str:
    if goal.period == "month":
        return f"{goal.start.year}-{goal.start.month:02d}"
    if goal.period == "quarter":
        return f"{goal.start.year}-Q{(goal.start.month - 1) // 3 + 1}"
    if goal.period == "year":
        return str(goal.start.year)
    return f"{goal.start.isoformat()} – {goal.end.isoformat()}"


def _row(goal: Goal, found: pacing.Progress) -> dict:
    metric = registry.metric(goal.metric)
    return {"goal": goal, "metric": metric, "progress": found, "subject": subject_label(goal),
            "period": period_label(goal), "money": metric.unit == "money"}  # fmt: skip


@login_required
def goal_list(request):
    user = request.user
    month = _month(request.GET.get("month"))
    last = _shift(month, 1) - datetime.timedelta(days=1)
    who = request.GET.get("subject", "")
    who = who if who in SUBJECT_FILTERS else ""
    qs = services.visible_goals(user).filter(start__lte=last, end__gte=month)
    qs = qs.select_related("user", "team").order_by("start", "metric", "team_id", "user_id", "id")
    if who == "mine":
        qs = qs.filter(user_id=user.pk)
    elif who == "team":
        qs = qs.filter(team__isnull=False)
    elif who == "company":
        qs = qs.filter(user__isnull=True, team__isnull=True)
    known = {m.key for m in registry.metrics()}
    rows = [_row(g, pacing.progress(g)) for g in qs[:200] if g.metric in known]
    binned = services.visible_goals(user, binned=True).filter(start__lte=last, end__gte=month)
    binned_rows = [
        {"goal": g, "metric": registry.metric(g.metric), "subject": subject_label(g),
         "period": period_label(g)}
        for g in binned.select_related("user", "team").order_by("-deleted_at")[:50]
        if g.metric in known and services.may_change(user, g)
    ]  # fmt: skip
    context = {
        "nav": "goals",
        "rows": rows,
        "binned": binned_rows,
        "month": month,
        "month_label": f"{month.year}-{month.month:02d}",
        "previous": _shift(month, -1).strftime("%Y-%m"),
        "next": _shift(month, 1).strftime("%Y-%m"),
        "subject": who,
        "subjects": [
            ("", _("Everyone")),
            ("mine", _("Mine")),
            ("team", _("Teams")),
            ("company", _("Whole company")),
        ],  # fmt: skip
        "can_set": services.can_set_goals(user),
        "currency": settings.DEFAULT_CURRENCY,
    }
    return render(request, "analytics/goals/list.html", context)


def _records(viewer: User, goal: Goal) -> tuple[list, int, str]:
    """The viewer's visible records behind the goal's number (the first RECORDS_SHOWN), how
    many there are, and the list page filtered to them, when there is one."""
    metric = registry.metric(goal.metric)
    if isinstance(metric.measure, Formula):
        return [], 0, ""
    ctx = Context(user=viewer, now=timezone.now(), zone=pacing._zone())
    rows = metric.model.objects.visible_to(viewer).filter(metric.narrowing(ctx))
    period = registry_period(goal)
    rows = Job(metric, period, ctx).in_period(rows)
    if goal.user_id:
        rows = rows.filter(owner_id=goal.user_id)
    elif goal.team_id:
        rows = rows.filter(owner__team_id=goal.team_id)
    link = ""
    if goal.metric in WON_DEAL_METRICS and not goal.team_id:  # the deal list has no team filter
        query = {"status": "won", "close_from": goal.start.isoformat(),
                 "close_to": goal.end.isoformat()}  # fmt: skip
        if goal.user_id:
            query["owner"] = str(goal.user_id)
        link = f"{reverse('deal-list')}?{urlencode(query)}"
    total = rows.count()
    return list(rows.order_by("-pk")[:RECORDS_SHOWN]), total, link


def _pacing_chart(found: pacing.Progress, metric: registry.Metric) -> Chart:
    """Expected and actual at the pacing line's days, as the shared line chart."""
    return Chart(
        kind="line",
        title=_("Expected and actual over the period"),
        categories=[p["day"].isoformat() for p in found.points],
        series=[
            Series(_("Expected"), [p["expected"] for p in found.points]),
            Series(_("Actual"), [p["actual"] for p in found.points]),
        ],
        unit=metric.unit,  # type: ignore[arg-type]  # the catalogue's units are the chart's
        currency=settings.DEFAULT_CURRENCY if metric.unit == "money" else "",
        category_label=_("Day"),
        key="goal-pacing",
    )


def registry_period(goal: Goal):
    from kehu.analytics.metrics.periods import Period

    return Period(goal.period, goal.start, goal.end)


@login_required
def goal_detail(request, pk):
    user = request.user
    goal = services.get_visible_goal(user, pk)
    if goal.metric not in {m.key for m in registry.metrics()}:
        raise Http404
    found = pacing.progress(goal, with_points=True)
    records, total, link = _records(user, goal)
    metric = registry.metric(goal.metric)
    context = {
        "nav": "goals",
        "row": _row(goal, found),
        "points": found.points,
        "chart": _pacing_chart(found, metric) if found.points else None,
        "records": records,
        "record_total": total,
        "record_type": registry.metric(goal.metric).record_type,
        "list_link": link,
        "history": [_row(p.goal, p) for p in pacing.history(user, goal)],
        "editable": services.may_change(user, goal),
        "currency": settings.DEFAULT_CURRENCY,
        "band": int(pacing.ON_TRACK_BAND * 100),
    }
    return render(request, "analytics/goals/detail.html", context)


def _choices(user: User) -> dict:
    users, teams, company = services.goal_subjects(user)
    subjects = [("company", _("Whole company"))] if company else []
    subjects += [(f"team-{t.pk}", f"{t.name} ({_('team')})") for t in teams]
    subjects += [(f"user-{u.pk}", str(u)) for u in users]
    return {"subjects": subjects,
            "metrics": services.goal_metrics(),
            "kinds": Goal.Period.choices}  # fmt: skip


def _subject_data(value: str) -> dict:
    kind, _sep, pk = (value or "").partition("-")
    if kind == "user":
        return {"user": pk, "team": None}
    if kind == "team":
        return {"user": None, "team": pk}
    return {"user": None, "team": None}


def _subject_value(goal: Goal) -> str:
    if goal.user_id:
        return f"user-{goal.user_id}"
    return f"team-{goal.team_id}" if goal.team_id else "company"


@login_required
def goal_form(request, pk=None):
    user = request.user
    goal = services.get_visible_goal(user, pk) if pk else None
    if goal is not None and not services.may_change(user, goal):
        raise PermissionDenied
    if goal is None and not services.can_set_goals(user):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    today = pacing.today()
    values: dict[str, str] = {
        "metric": goal.metric if goal else request.GET.get("metric", "revenue_won"),
        "subject": _subject_value(goal) if goal else request.GET.get("subject", ""),
        "period": goal.period if goal else "month",
        "start": (goal.start if goal else today.replace(day=1)).isoformat(),
        "end": goal.end.isoformat() if goal and goal.period == "custom" else "",
        "target": str(goal.target) if goal else "",
        "version": str(goal.version) if goal else "",
    }
    if request.method == "POST":
        post = request.POST
        values = {key: post.get(key, "").strip() for key in values}
        data = {"metric": values["metric"], "period": values["period"], "start": values["start"],
                "end": values["end"], "target": values["target"],
                **_subject_data(values["subject"])}  # fmt: skip
        try:
            if goal is None:
                saved = services.create_goal(user, data)
            else:
                version = int(values["version"]) if values["version"].isdigit() else None
                saved = services.update_goal(user, goal, data, version)
        except ValidationError as exc:
            errors = exc.message_dict
        except VersionConflict:
            errors = {"__all__": [_("Someone else changed this goal meanwhile: reload the page, "
                                    "check their change and save again.")]}  # fmt: skip
        else:
            messages.success(request, _("The goal is saved."))
            return redirect("goal-detail", pk=saved.pk)
    context = {
        "nav": "goals",
        "goal": goal,
        "values": values,
        "errors": {k: " ".join(v) for k, v in errors.items()},
        "general_error": " ".join(errors.get("__all__", [])),
        "currency": settings.DEFAULT_CURRENCY,
        **_choices(user),
    }
    return render(request, "analytics/goals/form.html", context)


@login_required
@require_POST
def goal_restore(request, pk):
    try:
        goal = services.restore_goal(request.user, pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("goal-list")
    messages.success(request, _("The goal is restored."))
    return redirect("goal-detail", pk=goal.pk)


@login_required
@require_POST
def goal_delete(request, pk):
    goal = services.get_visible_goal(request.user, pk)
    services.delete_goal(request.user, goal)
    messages.success(request, _("The goal is in the recycle bin."))
    return redirect("goal-list")
