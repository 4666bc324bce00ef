"""Forecast screens: the forecast of a month or quarter (also as CSV) and the targets page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kehu.core import visibility
from kehu.customers.exporting import csv_stream, safe_cell
from kehu.sales.forecast import services as forecast
from kehu.web.charts import Chart, Series

# --- forecast and targets ------------------------------------------------------------------


def _forecast_table(result) -> list[list[str]]:
    header = [_("Group"), _("Won"), _("Target"), _("Attainment"), _("Committed"),
              _("Weighted pipeline"), _("Best case")]  # fmt: skip
    lines = [header]
    for row in [*result.rows, result.total]:
        label = row.label if row is not result.total else _("Total")
        attainment = f"{row.attainment}%" if row.attainment is not None else ""
        target = "" if row.target is None else str(row.target)
        values = [label, row.won, target, attainment, row.committed, row.weighted, row.best_case]
        lines.append([safe_cell(v) for v in values])
    return lines


def _forecast_chart(result: forecast.Forecast, group: str) -> Chart | None:
    """Won, weighted and best case against target per row; a bar opens the deals behind it
    (the deal list filtered by owner or pipeline, status and the period's closing days)."""
    if not result.rows:
        return None
    period = result.period
    dates = {"close_from": period.start.isoformat(), "close_to": period.end.isoformat()}
    filter_by = {"owner": "owner", "pipeline": "pipeline"}.get(group)  # deals have no team filter

    def links(status: str | None) -> list[str | None]:
        found: list[str | None] = []
        for row in result.rows:
            if filter_by is None or row.key is None:
                found.append(None)
                continue
            query = {filter_by: str(row.key), **({"status": status} if status else {}), **dates}
            found.append(f"{reverse('deal-list')}?{urlencode(query)}")
        return found

    rows = result.rows
    return Chart(
        kind="bar",
        title=_("Won and expected, against target"),
        unit="money",
        currency=settings.DEFAULT_CURRENCY,
        categories=[row.label for row in rows],
        category_label={"owner": _("Owner"), "team": _("Team"), "pipeline": _("Pipeline")}[group],
        series=[
            Series(_("Won"), [row.won for row in rows], links("won")),
            Series(_("Weighted pipeline"), [row.weighted for row in rows], links("open")),
            Series(_("Best case"), [row.best_case for row in rows], links("open")),
            # no targets set (never by pipeline): no empty legend entry
            *(
                [Series(_("Target"), [row.target for row in rows])]
                if any(row.target is not None for row in rows)
                else []
            ),
        ],
        links=links(None),
        key="forecast",
    )


@login_required
def deal_forecast(request):
    user = request.user
    visibility.require(user, "sales", "read")
    errors = {}
    try:
        period = forecast.parse_period(request.GET.get("period"))
    except ValidationError as exc:
        errors, period = exc.message_dict, forecast.parse_period(None)
    group = request.GET.get("group") if request.GET.get("group") in forecast.GROUPS else "owner"
    result = forecast.forecast(user, period, group)
    if request.GET.get("format") == "csv":
        visibility.require(user, "sales", "export")
        response = StreamingHttpResponse(
            csv_stream(_forecast_table(result)), content_type="text/csv; charset=utf-8"
        )
        name = f"kehu-forecast-{period.label}-{group}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    context = {
        "nav": "forecast",
        "result": result,
        "chart": _forecast_chart(result, group),
        "period": period,
        "previous": period.shifted(-1),
        "next": period.shifted(1),
        "other_kind": forecast.parse_period(
            f"{period.start.year}-{period.start.month:02d}"
            if period.kind == "quarter"
            else f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
        ),
        "group": group,
        "groups": [
            ("owner", _("By owner")),
            ("team", _("By team")),
            ("pipeline", _("By pipeline")),
        ],
        "errors": errors,
        "company_currency": settings.DEFAULT_CURRENCY,
        "commit_probability": forecast.COMMIT_PROBABILITY,
        "can_export": visibility.can(user, "sales", "export"),
        "can_set_targets": forecast.can_set_targets(user),
    }
    return render(request, "sales/forecast.html", context)


@login_required
def sales_targets(request):
    user = request.user
    if not forecast.can_set_targets(user):
        raise PermissionDenied
    try:
        period = forecast.parse_period(request.POST.get("period") or request.GET.get("period"))
    except ValidationError as exc:
        if request.method == "POST":  # never save what was meant for another period
            messages.error(request, " ".join(exc.messages))
            return redirect("sales-targets")
        period = forecast.parse_period(None)
    users, teams = forecast.target_subjects(user)
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        amounts = {
            (kind, subject.pk): request.POST[f"{kind}-{subject.pk}"].strip()
            for kind, subjects in (("user", users), ("team", teams))
            for subject in subjects
            if f"{kind}-{subject.pk}" in request.POST
        }
        try:
            forecast.set_targets(user, period, amounts)
        except ValidationError as exc:
            problems = exc.message_dict  # nothing was saved; the form shows each problem
        else:
            messages.success(
                request, _("The targets for %(period)s are saved.") % {"period": period.label}
            )
            return redirect(f"{reverse('deal-forecast')}?period={period.label}")
    saved = forecast.targets_of(period, users, teams)
    rows = [
        {
            "name": f"user-{u.pk}",
            "label": str(u),
            "value": request.POST.get(f"user-{u.pk}", saved["user"].get(u.pk, "")),
            "error": " ".join(problems.get(f"user-{u.pk}", [])),
        }
        for u in users
    ] + [
        {
            "name": f"team-{t.pk}",
            "label": t.name,
            "value": request.POST.get(f"team-{t.pk}", saved["team"].get(t.pk, "")),
            "error": " ".join(problems.get(f"team-{t.pk}", [])),
            "team": True,
        }
        for t in teams
    ]
    context = {
        "nav": "forecast",
        "period": period,
        "rows": rows,
        "company_currency": settings.DEFAULT_CURRENCY,
    }
    return render(request, "sales/targets.html", context)
