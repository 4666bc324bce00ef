from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kehu.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from kehu.service import dashboard, measurement, registrations
        from kehu.service.kb import services as kb_services  # noqa: F401  (its subscriptions)
        from kehu.service.mailbox import subscriptions  # noqa: F401  (sends agents' replies)
        from kehu.service.surveys import services as surveys  # noqa: F401  (CSAT on solving)

        registrations.register()  # tickets on customers' pages and timelines, custom fields
        measurement.register()  # tickets in the condition language, service metrics
        dashboard.register_widgets()  # an agent's queues and the service figures at home
        _watch_tasks()


def _watch_tasks() -> None:
    """How `kehu.core.recovery` tells a run of these tasks that a dead worker left behind."""
    import datetime

    from kehu.core.recovery import watch_task
    from kehu.service.sla import tasks
    from kehu.service.surveys import tasks as surveys

    watch_task(tasks.sweep_sla, longest=datetime.timedelta(minutes=10),
               reschedule=tasks.schedule_sweep)  # fmt: skip
    watch_task(tasks.recompute_sla, longest=datetime.timedelta(hours=1))
    watch_task(surveys.send_nps_surveys, longest=datetime.timedelta(hours=1),
               reschedule=surveys.schedule_next)  # fmt: skip
