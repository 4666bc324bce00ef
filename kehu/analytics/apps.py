from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Measurement: the metric catalogue (`metrics/`) that dashboards, reports and goals read,
    and staff adoption (`adoption/`: daily rows kept by the events, decision 0035).

    It knows no domain: sales, activities (and later service, marketing) register their own
    metrics and dimensions from their AppConfig.ready."""

    name = "kehu.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from kehu.analytics.adoption import subscriptions  # noqa: F401  (events, login signal)

        _watch_tasks()


def _watch_tasks() -> None:
    """How `kehu.core.recovery` tells a run of these tasks that a dead worker left behind."""
    import datetime

    from kehu.analytics.adoption import catch_up, tasks
    from kehu.core.recovery import watch_task

    hours = datetime.timedelta(hours=2)  # two days of a large instance's audit trail
    watch_task(tasks.catch_up_adoption, longest=hours, reschedule=catch_up.schedule_next)
