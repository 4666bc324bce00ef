from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    """Measurement: the metric catalogue (`metrics/`) that dashboards, reports and goals read,
    staff adoption (`adoption/`: daily rows kept by the events, decision 0035) and the people's
    data quality (`data_quality/`: counts per owner, refreshed after changes, decision 0040).

    It knows no domain: sales, activities (and later service, marketing) register their own
    metrics and dimensions from their AppConfig.ready."""

    name = "kehu.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from kehu.analytics.adoption import subscriptions  # noqa: F401  (events, login signal)
        from kehu.analytics.data_quality import subscriptions as _  # noqa: F401  (people events)

        _watch_tasks()


def _watch_tasks() -> None:
    """How `kehu.core.recovery` tells a run of these tasks that a dead worker left behind."""
    import datetime

    from kehu.analytics.adoption import catch_up, tasks
    from kehu.analytics.data_quality import rollup
    from kehu.analytics.data_quality import tasks as quality_tasks
    from kehu.core.recovery import watch_task

    hours = datetime.timedelta(hours=2)  # two days of a large instance's audit trail
    watch_task(tasks.catch_up_adoption, longest=hours, reschedule=catch_up.schedule_next)
    minutes = datetime.timedelta(minutes=10)  # one count of the people takes seconds
    watch_task(quality_tasks.refresh_data_quality, longest=minutes)
    watch_task(
        quality_tasks.count_data_quality_nightly,
        longest=minutes,
        reschedule=rollup.schedule_nightly,
    )
