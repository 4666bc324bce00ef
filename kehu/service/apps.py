from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "kehu.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from kehu.customers.fields import services as field_services
        from kehu.customers.models import CustomField
        from kehu.service.mailbox import subscriptions  # noqa: F401  (sends agents' replies)
        from kehu.service.tickets.models import Ticket

        field_services.register_entity(CustomField.Entity.TICKET, Ticket, "cf_t_")
