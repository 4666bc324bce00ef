"""Activities in the metric catalogue (kehu/analytics/metrics): activities logged, calls made,
meetings held and tasks done on time, each counted by the moment it happened (docs/metrics.md)."""

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kehu.analytics.metrics import Count, Metric, register_metrics

DIMENSIONS = ("owner", "team", "month", "quarter", "year")


def register() -> None:
    def counted(key, label, definition, formula, date, where):
        return Metric(key, label, "count", "activity", Count(), definition, formula, date=date,
                      where=where, dimensions=DIMENSIONS, domain="activities")  # fmt: skip

    register_metrics([
        counted("activities_logged", _("Activities logged"),
                _("How many calls, meetings, tasks, notes and emails were logged as happening in "
                  "the period, up to now (staff adoption counts them by the day they were "
                  "entered)."),
                _("count of activities at a moment in the period and not after now"), "at",
                lambda ctx: Q(at__lte=ctx.now)),
        counted("calls_made", _("Calls made"),
                _("How many calls were logged in the period, incoming calls left out."),
                _("count of calls (not incoming) at a moment in the period"), "at",
                Q(kind="call") & ~Q(direction="in")),
        counted("meetings_held", _("Meetings held"),
                _("How many meetings started in the period, up to now."),
                _("count of meetings starting in the period and not after now"), "at",
                lambda ctx: Q(kind="meeting", at__lte=ctx.now)),
        counted("tasks_done_on_time", _("Tasks done on time"),
                _("How many tasks with a due time were done in the period by that time."),
                _("count of tasks done in the period with done at ≤ due at"), "done_at",
                Q(kind="task", due_at__isnull=False, done_at__lte=F("due_at"))),
    ])  # fmt: skip
