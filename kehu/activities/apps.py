from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "kehu.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from kehu.activities import (  # noqa: F401
            bulk_kinds,
            condition_fields,
            merging,
            metrics,
            subscriptions,
        )
        from kehu.activities.invitations import services as invitations  # noqa: F401

        condition_fields.register()  # activities in the condition language
        merging.register()  # what a merge of people or companies moves of activities
        bulk_kinds.register()  # activities in bulk actions
        metrics.register()  # calls, meetings and tasks in the metric catalogue
        _watch_tasks()


def _watch_tasks() -> None:
    """How `kehu.core.recovery` tells a run of these tasks that a dead worker left behind."""
    import datetime

    from kehu.activities import tasks
    from kehu.activities.invitations import services as invitations
    from kehu.core.recovery import watch_task

    minutes = datetime.timedelta(minutes=10)  # each run is short (SMTP times out)
    watch_task(tasks.send_reminders, longest=minutes, reschedule=tasks.schedule_reminders)
    watch_task(invitations.send_invitations, longest=minutes)
