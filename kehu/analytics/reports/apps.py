from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The report builder: its own app label ("reports"), so its tables and migrations stand
    apart from the rest of analytics."""

    name = "kehu.analytics.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        import datetime

        from kehu.analytics.reports import schedules, tasks
        from kehu.core.recovery import watch_task

        # the sweep that sends scheduled reports queues itself again every few minutes;
        # `kehu worker` (through the recovery command) queues the first run
        watch_task(
            tasks.send_scheduled_reports,
            longest=datetime.timedelta(hours=1),
            reschedule=schedules.schedule_sweep,
        )
        watch_task(tasks.run_report_in_background, longest=datetime.timedelta(hours=1))
