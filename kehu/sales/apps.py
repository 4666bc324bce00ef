from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kehu.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from kehu.sales import subscriptions  # noqa: F401  (subscribes to other apps' events)
