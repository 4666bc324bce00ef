"""What email to ticket does when something happens on a ticket (see `core.events`)."""

from typing import Any

from kehu.core import events


@events.subscribe("ticket.replied")
def mail_the_reply(
    event: str, record: Any, changes: dict[str, Any] | None = None, **payload: Any
) -> None:
    """An agent's public reply goes to the requester by mail, after the commit."""
    from kehu.service.mailbox.replies import queue_reply
    from kehu.service.tickets.models import TicketMessage

    pk = (changes or {}).get("message")
    message = TicketMessage.objects.filter(pk=pk).first() if pk else None
    if message is not None:
        queue_reply(message)
