from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kehu.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from kehu.sales import (  # noqa: F401
            bulk_kinds,
            condition_fields,
            list_columns,
            metrics,
            registrations,
            subscriptions,
        )

        condition_fields.register()  # leads, deals, quotes and orders in the condition language
        list_columns.register_all()  # the columns a saved view of a sales list may choose
        registrations.register()  # leads in the importer and custom fields, deals on companies
        bulk_kinds.register()  # leads and deals in bulk actions on lists
        metrics.register()  # sales metrics in the catalogue, and the rates money converts at

        _watch_tasks()


def _watch_tasks() -> None:
    """How `kehu.core.recovery` tells a run of these tasks that a dead worker left behind."""
    import datetime

    from kehu.core.recovery import add_sweep, watch_task
    from kehu.sales import tasks
    from kehu.sales.daily import services as daily
    from kehu.sales.quotes import services as quotes

    hours = datetime.timedelta(hours=6)  # scoring every lead of a large instance takes a while
    watch_task(tasks.daily_jobs, longest=hours, reschedule=daily.schedule_next)
    watch_task(tasks.rescore_leads, longest=hours)
    watch_task(tasks.train_lead_score, longest=hours)
    watch_task(tasks.email_quote, longest=datetime.timedelta(minutes=10))
    add_sweep(quotes.fail_interrupted_emails)
    add_sweep(daily.queue_abandoned_run)
