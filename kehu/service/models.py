"""Every model of the service app, for Django (app label `service`). Each concept keeps its
models in its own sub-package (`tickets/`, `categories/`, `sla/`, `macros/`, `kb/`); the
migrations stay the app's."""

from kehu.service.categories.models import TicketCategory
from kehu.service.kb.models import Article, ArticleUse, KbSearchMiss
from kehu.service.macros.models import Macro
from kehu.service.mailbox.models import (
    InboundMail,
    OutgoingTicketMail,
    SupportMailbox,
    TicketAttachment,
)
from kehu.service.portal.models import PortalAccess
from kehu.service.sla.models import BusinessCalendar, SlaBreach, SlaPolicy
from kehu.service.surveys.models import Survey, SurveyResponse
from kehu.service.tickets.models import Ticket, TicketMessage

__all__ = [
    "Article",
    "ArticleUse",
    "BusinessCalendar",
    "InboundMail",
    "KbSearchMiss",
    "Macro",
    "OutgoingTicketMail",
    "PortalAccess",
    "SlaBreach",
    "SlaPolicy",
    "SupportMailbox",
    "Survey",
    "SurveyResponse",
    "Ticket",
    "TicketAttachment",
    "TicketCategory",
    "TicketMessage",
]
