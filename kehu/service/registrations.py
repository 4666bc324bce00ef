"""What the service desk adds to the customers app, which does not import it (decision 0018):
a person's and a company's tickets on their page, their tickets and replies on the 360°
timeline, and tickets as a record type with custom fields."""

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy

from kehu.core import visibility

#: how many of a customer's tickets their page lists (newest first)
SHOWN = 5


def _tickets_of(user: Any, record: Any) -> Any:
    from kehu.customers.models import Company
    from kehu.service.tickets.models import Ticket

    tickets = Ticket.objects.visible_to(user)
    if isinstance(record, Company):
        return tickets.filter(company=record)
    return tickets.filter(requester=record)


def customer_tickets(user: Any, record: Any) -> dict[str, Any]:
    """A person's or company's page: their latest tickets and how many are unsolved."""
    if not visibility.can(user, "service", "read"):
        return {}
    from kehu.service.tickets.models import UNSOLVED

    tickets = _tickets_of(user, record)
    counts = tickets.aggregate(
        total=Count("id"), unsolved=Count("id", filter=Q(status__in=UNSOLVED))
    )
    return {
        "customer_tickets": list(
            tickets.select_related("owner").order_by("-updated_at", "-id")[:SHOWN]
        ),
        "customer_ticket_counts": counts,
        "can_create_ticket": visibility.can(user, "service", "create"),
    }


#: timeline ranks of the two kinds of items (above the activities' and audit entries')
OPENED, REPLIED = 2, 3


def timeline_items(record: Any, user: Any, cursor: tuple | None, size: int) -> list:
    """A customer's tickets (when opened) and the public replies in them, newest first, as
    the user may see them; internal notes stay on the ticket."""
    from kehu.activities.timeline import Item, older_than
    from kehu.service.tickets.models import TicketMessage

    if user is None or not visibility.can(user, "service", "read"):
        return []
    tickets = _tickets_of(user, record)
    opened = older_than(tickets, "created_at", OPENED, cursor).order_by("-created_at", "-id")
    replies = (
        older_than(
            TicketMessage.objects.filter(ticket__in=tickets.values("pk"), kind="reply"),
            "created_at",
            REPLIED,
            cursor,
        )
        .select_related("ticket", "author", "person")
        .order_by("-created_at", "-id")
    )
    return [Item("ticket", t.created_at, t, rank=OPENED) for t in opened[: size + 1]] + [
        Item("ticket", m.created_at, m, rank=REPLIED) for m in replies[: size + 1]
    ]


def has_tickets(record: Any) -> bool:
    from kehu.customers.models import Company, Person

    return isinstance(record, Person | Company)


def register() -> None:
    from kehu.activities import timeline
    from kehu.customers import views as customer_views
    from kehu.customers.fields import services as field_services
    from kehu.customers.models import CustomField
    from kehu.service.surveys.summary import customer_satisfaction
    from kehu.service.tickets.models import Ticket

    field_services.register_entity(CustomField.Entity.TICKET, Ticket, "cf_t_")
    for sections in (customer_views.COMPANY_SECTIONS, customer_views.PERSON_SECTIONS):
        for section in (customer_tickets, customer_satisfaction):
            if section not in sections:
                sections.append(section)
    timeline.register_stream(
        timeline.Stream(
            kind="tickets",
            label=gettext_lazy("tickets"),
            read=timeline_items,
            applies=has_tickets,
        )
    )
