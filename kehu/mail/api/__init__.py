"""The mail app's REST routes, one module per router: `emails` (/api/v1/emails, with the
review list's routes from `kehu.mail.review.api`) and `templates` (/api/v1/email-templates)."""

from kehu.mail.api.emails import emails_router
from kehu.mail.api.templates import email_templates_router

__all__ = ["email_templates_router", "emails_router"]
