"""Template tags of email to ticket (`service/mailbox/_attachments.html`)."""

from django import template

register = template.Library()


@register.simple_tag
def ticket_files(ticket, message=None):
    """The files that came with `message` (prefetched `attachments` cost no query), or with
    the mail that opened `ticket` when no message is given."""
    if message:
        return list(message.attachments.all())
    return list(ticket.attachments.filter(message__isnull=True))
