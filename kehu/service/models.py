"""Every model of the service app, for Django (app label `service`). Each concept keeps its
models in its own sub-package (`tickets/`, `categories/`); the migrations stay the app's."""

from kehu.service.categories.models import TicketCategory
from kehu.service.mailbox.models import (
    InboundMail,
    OutgoingTicketMail,
    SupportMailbox,
    TicketAttachment,
)
from kehu.service.tickets.models import Ticket, TicketMessage

__all__ = ["InboundMail", "OutgoingTicketMail", "SupportMailbox", "Ticket", "TicketAttachment",
           "TicketCategory", "TicketMessage"]  # fmt: skip
