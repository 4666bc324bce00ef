# mypy: disable-error-code="no-untyped-def"
"""The home page (the role dashboard, the first page after login) and the forms that change
it: add, remove, move (buttons without JavaScript; a drag posts the whole order), reset,
publish to the team, and pin a saved report. Every change goes through the services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.analytics.dashboards import services


@login_required
def home(request) -> HttpResponse:
    user = request.user
    layout = services.layout_of(user)
    widgets = services.render(user, layout)
    context = {
        "layout": layout,
        "widgets": widgets,
        # ECharts is a large script: only a dashboard with a chart loads it (the page's other
        # scripts, the search box's among them, start sooner without it)
        "has_charts": any(w.shown.chart for w in widgets),
        "addable": services.addable(user, layout),
        "may_publish": services.may_publish(user),
        "editing": request.GET.get("edit") == "1",
    }
    return render(request, "dashboards/home.html", context)


def _done(request, message: str = "") -> HttpResponse:
    if message:
        messages.success(request, message)
    return redirect("/?edit=1#dashboard")


def _failed(request, exc: ValidationError) -> HttpResponse:
    messages.error(request, " ".join(exc.messages))
    return redirect("/?edit=1#dashboard")


@login_required
@require_POST
def widget_add(request) -> HttpResponse:
    try:
        services.add_widget(request.user, request.POST.get("widget", ""))
    except ValidationError as exc:
        return _failed(request, exc)
    return _done(request, _("Widget added."))


@login_required
@require_POST
def widget_remove(request) -> HttpResponse:
    try:
        services.remove_widget(request.user, request.POST.get("widget", ""))
    except ValidationError as exc:
        return _failed(request, exc)
    return _done(request, _("Widget removed."))


@login_required
@require_POST
def widget_move(request) -> HttpResponse:
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""), 0)
    try:
        services.move_widget(request.user, request.POST.get("widget", ""), step)
    except ValidationError as exc:
        return _failed(request, exc)
    return _done(request)


@login_required
@require_POST
def widget_order(request) -> HttpResponse:
    """The order after a drag (SortableJS): every widget id, in order."""
    try:
        ids = services.set_order(request.user, request.POST.getlist("widget"))
    except ValidationError as exc:
        if request.headers.get("X-Requested-With") == "fetch":
            return JsonResponse({"detail": " ".join(exc.messages)}, status=400)
        return _failed(request, exc)
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"widgets": ids})
    return _done(request)


@login_required
@require_POST
def dashboard_reset(request) -> HttpResponse:
    services.reset(request.user)
    return _done(request, _("Your dashboard is back to its default."))


@login_required
@require_POST
def dashboard_publish(request) -> HttpResponse:
    services.publish(request.user)
    return _done(request, _("Your team now gets this dashboard as its default."))


@login_required
@require_POST
def report_pin(request, pk: int) -> HttpResponse:
    """Pin a saved report to the viewer's dashboard (404 for one they may not open)."""
    from kehu.analytics.reports.services import get_visible

    report = get_visible(request.user, pk)
    try:
        services.add_widget(request.user, f"report:{report.pk}")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("report-detail", report.pk)
    messages.success(request, _("The report is pinned to your dashboard."))
    return redirect("report-detail", report.pk)
