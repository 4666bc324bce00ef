"""The service desk on the home dashboards (kehu/analytics/dashboards): an agent's queues, and
this month's service figures from the metric catalogue. A support agent or lead opens on the
"support" dashboard; managers and administrators may add these widgets too."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.analytics.dashboards.widgets import Ask, Shown, Stat, Widget, register
from kehu.analytics.dashboards.widgets.common import period, text
from kehu.analytics.metrics import value
from kehu.core import visibility

ROLES = ("support", "manager", "admin")


def _queue(key: str) -> str:
    return f"{reverse('ticket-list')}?queue={key}"


def my_queues(ask: Ask) -> Shown:
    """How many tickets wait in each of the viewer's queues."""
    from kehu.service.tickets import queries
    from kehu.service.tickets.models import Ticket

    if not visibility.can(ask.user, "service", "read"):
        return Shown(empty=_("Your role does not include the service desk."))
    counts = queries.queue_counts(Ticket.objects.visible_to(ask.user), ask.user)
    if not any(counts.values()):
        return Shown(empty=_("No ticket waits for you or your team."),
                     action=(_("Tickets"), _queue("all")))  # fmt: skip
    labels = queries.QUEUES
    return Shown(
        stats=[Stat(str(labels[key]), str(counts[key]), _queue(key), counts[key])
               for key in ("mine", "unassigned", "breaching", "pending")],
        more=(_("Tickets"), _queue("open")),
    )  # fmt: skip


def service_kpis(ask: Ask) -> Shown:
    """This month's first response and resolution times, SLA attainment, and the backlog."""
    if not visibility.can(ask.user, "service", "read"):
        return Shown(empty=_("Your role does not include the service desk."))
    month = period(ask, "this_month")
    found = {
        key: value(key, ask.user, month, now=ask.now).total
        for key in ("first_response_hours", "resolution_hours", "sla_attainment",
                    "ticket_backlog")
    }  # fmt: skip
    units = {"first_response_hours": "hours", "resolution_hours": "hours",
             "sla_attainment": "percent", "ticket_backlog": "count"}  # fmt: skip
    labels = {"first_response_hours": _("First response (median)"),
              "resolution_hours": _("Resolution (median)"),
              "sla_attainment": _("SLA attainment"), "ticket_backlog": _("Backlog")}  # fmt: skip
    return Shown(
        stats=[Stat(labels[k], text(n, units[k]), _queue("open") if k == "ticket_backlog" else
                    None, n.value, n.reason or "") for k, n in found.items()],
        note=_("This month, in working hours of each team's calendar."),
    )  # fmt: skip


QUEUES_HELP = gettext_lazy(
    "Your unsolved tickets, your team's unassigned ones, those breaching their SLA soon and "
    "those waiting for customers."
)
KPIS_HELP = gettext_lazy("First response and resolution times, SLA attainment and the backlog.")


def register_widgets() -> None:
    register(Widget("my_queues", gettext_lazy("My ticket queues"), ROLES, my_queues, QUEUES_HELP))
    register(
        Widget("service_kpis", gettext_lazy("Service this month"), ROLES, service_kpis, KPIS_HELP)
    )
