# mypy: disable-error-code="no-untyped-def"
"""Report pages: the list (mine / shared), the builder with its live preview, a report's page
(chart and table, export, schedule), and the progress of a run in the worker."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.accounts.models import User
from kehu.analytics.reports import builder as builders
from kehu.analytics.reports import definition as definitions
from kehu.analytics.reports import exporting, presenting, running, services
from kehu.analytics.reports.models import Report, ReportRun, ReportSchedule
from kehu.core import conditions, visibility
from kehu.core.records import VersionConflict
from kehu.core.saved_views.services import may_share


def may_export(user: User, record_type: str) -> bool:
    """Exporting a report's numbers takes the export right on its records' module."""
    model = conditions.record_type(record_type).model
    module = getattr(model, "module", "customers")
    if module == "activities":
        from kehu.activities.exporting import can_export

        return bool(can_export(user))
    return visibility.can(user, module, "export")


def _shown(request, parsed: definitions.Definition, title: str,
           report: Report | None = None) -> dict[str, Any]:  # fmt: skip
    """The result for the page: run now, or (too many records) a run in the worker."""
    user = request.user
    if running.is_slow(parsed, user):
        run = services.run_in_worker(user, report, parsed)
        if run.status != ReportRun.Status.DONE:
            return {"run": run}
        result = running.Result.from_json(run.result or {})
    else:
        result = running.run(parsed, user)
    return _result_context(result, parsed.record_type, parsed.chart, title)


def _result_context(result: running.Result, record_type: str, chart: str, title: str) -> dict:
    pivot = None
    if len(result.dimensions) == 2:
        pivot = presenting.pivot_of(result, record_type)
    rows = [
        {"labels": r.labels, "text": presenting.text(r.value, result), "reason": r.value.reason,
         "link": presenting.link_for(record_type, result.dimensions, r.keys)}
        for r in result.rows
    ] if len(result.dimensions) == 1 else []  # fmt: skip
    return {
        "result": result,
        "chart": presenting.chart_of(result, record_type, chart, title),
        "pivot": pivot,
        "rows": rows,
        "total_text": presenting.text(result.total, result),
    }


@login_required
def report_list(request) -> HttpResponse:
    reports = services.visible_reports(request.user)
    mine = [r for r in reports if r.owner_id == request.user.pk]
    shared = [r for r in reports if r.owner_id != request.user.pk]
    return render(request, "reports/list.html", {"nav": "reports", "mine": mine, "shared": shared})


def _builder_page(request, report: Report | None) -> HttpResponse:
    user = request.user
    params = request.POST if request.method == "POST" else request.GET
    fresh = report is not None and request.method == "GET" and "record_type" not in params
    form = builders.from_definition(report.definition) if fresh and report else (
        builders.from_params(params))  # fmt: skip
    parsed = form.check()
    name = params.get("name", report.name if report else "")
    sharing = params.get("sharing", report.sharing if report else Report.Sharing.PRIVATE)
    context: dict[str, Any] = {
        "nav": "reports", "form": form, "report": report, "name": name, "sharing": sharing,
        "may_share": may_share(user), "sharings": Report.Sharing.choices,
        "fits": builders.fits(report.definition) if report else True,
    }  # fmt: skip
    if request.method == "POST" and parsed is not None:
        data = {"name": name, "definition": parsed.as_json(), "sharing": sharing}
        try:
            if report is None:
                saved = services.create_report(user, data)
            else:
                version = int(params.get("version") or report.version)
                saved = services.update_report(user, report, data, version)
        except ValidationError as exc:
            form.place({k: v for k, v in exc.message_dict.items() if k.startswith("definition")})
            context["errors"] = {k: v for k, v in exc.message_dict.items()
                                 if not k.startswith("definition")}  # fmt: skip
        except VersionConflict:
            context["conflict"] = True
        else:
            messages.success(request, _("Report saved."))
            return redirect("report-detail", saved.pk)
    if parsed is not None:
        context.update(_shown(request, parsed, name or _("Preview")))
    if request.htmx and request.method == "GET":
        return render(request, "reports/_builder.html", context)
    return render(request, "reports/builder.html", context)


@login_required
def report_new(request) -> HttpResponse:
    return _builder_page(request, None)


@login_required
def report_edit(request, pk: int) -> HttpResponse:
    report = services.get_visible(request.user, pk)
    if not services.may_change(request.user, report):
        raise PermissionDenied
    return _builder_page(request, report)


@login_required
def report_detail(request, pk: int) -> HttpResponse:
    report = services.get_visible(request.user, pk)
    context: dict[str, Any] = {"nav": "reports", "report": report}
    try:
        parsed = definitions.parse(report.definition)
    except ValidationError:  # a field it names was removed since (a custom field)
        context["broken"] = True
    else:
        context.update(_shown(request, parsed, report.name, report))
        context["can_export"] = may_export(request.user, parsed.record_type)
    context["editable"] = services.may_change(request.user, report)
    context["schedule"] = services.schedule_of(report)
    return render(request, "reports/detail.html", context)


@login_required
def report_run(request, run_id: str) -> HttpResponse:
    """A run in the worker: its progress (polled by htmx), then its result."""
    run = services.own_run(request.user, run_id)
    context: dict[str, Any] = {"run": run}
    if run.status == ReportRun.Status.DONE and run.result:
        parsed = definitions.parse(run.definition)
        title = run.report.name if run.report else _("Preview")
        result = running.Result.from_json(run.result)
        context = _result_context(result, parsed.record_type, parsed.chart, title)
    return render(request, "reports/_result.html", context)


@login_required
def report_export(request, pk: int) -> HttpResponse:
    report = services.get_visible(request.user, pk)
    parsed = definitions.parse(report.definition)
    if not may_export(request.user, parsed.record_type):
        raise PermissionDenied
    if running.is_slow(parsed, request.user):
        # a large report is exported from its run in the worker, never run in the request
        done = services.run_in_worker(request.user, report, parsed)
        if done.status != ReportRun.Status.DONE or not done.result:
            messages.info(request, _("The report is being prepared; export it when it is ready."))
            return redirect("report-detail", report.pk)
        result = running.Result.from_json(done.result)
    else:
        result = running.run(parsed, request.user)
    response = exporting.download(
        request, presenting.table_of(result), exporting.file_name(report.name)
    )
    return response  # type: ignore[return-value]


@login_required
@require_POST
def report_delete(request, pk: int) -> HttpResponse:
    report = services.get_visible(request.user, pk)
    services.delete_report(request.user, report)
    messages.success(request, _("Report deleted."))
    return redirect("report-list")


@login_required
def report_schedule(request, pk: int) -> HttpResponse:
    report = services.get_visible(request.user, pk)
    if not services.may_change(request.user, report):
        raise PermissionDenied
    schedule = services.schedule_of(report)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("stop"):
                services.set_schedule(request.user, report, None)
                messages.success(request, _("The report is no longer emailed."))
            else:
                data: dict[str, Any] = {key: request.POST.get(key, "") for key in
                                        ("frequency", "hour", "weekday", "day")}  # fmt: skip
                data["recipients"] = request.POST.getlist("recipients")
                services.set_schedule(request.user, report, data)
                messages.success(request, _("Schedule saved."))
            return redirect("report-detail", report.pk)
        except ValidationError as exc:
            errors = exc.message_dict
    users = services.recipient_choices()
    chosen = (
        {str(u) for u in request.POST.getlist("recipients")}
        if request.method == "POST"
        else (
            {str(u.pk) for u in schedule.recipients.all()} if schedule else {str(request.user.pk)}
        )
    )
    context = {
        "nav": "reports", "report": report, "schedule": schedule, "errors": errors,
        "users": users, "chosen": chosen, "frequencies": ReportSchedule.Frequency.choices,
        "hours": range(24), "days": range(1, 29),
        "weekdays": [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")),
                     (3, _("Thursday")), (4, _("Friday")), (5, _("Saturday")),
                     (6, _("Sunday"))],
        "values": request.POST if request.method == "POST" else {
            "frequency": schedule.frequency if schedule else "weekly",
            "hour": str(schedule.hour if schedule else 8),
            "weekday": str(schedule.weekday if schedule else 0),
            "day": str(schedule.day if schedule else 1)},
    }  # fmt: skip
    return render(request, "reports/schedule.html", context)


def detail_url(pk: int) -> str:
    return reverse("report-detail", args=[pk])
