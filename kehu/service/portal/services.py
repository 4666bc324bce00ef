"""The portal's writers and its links.

A portal link is `/support/t/<token>/`, the token signed (Django's signing, with its own salt)
over the ticket's id and its `PortalAccess.key`, with the time it was made: a forged or
altered token, one older than KEHU_SUPPORT_PORTAL_LINK_DAYS, or one made before the key was
renewed (revoked) names no ticket. The link is all the proof the customer gives, so it is
mailed only to the requester.

The public form: a visitor who is not yet a person becomes one, owned by the `person_owner`
of the first active support mailbox (the colleague an administrator named for the people
support mail brings in), else by the web lead form's owner (KEHU_WEB_LEAD_OWNER, else the first
administrator). At most KEHU_SUPPORT_FORM_PER_HOUR tickets an hour come from one address.
"""

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.core import audit, events, visibility
from kehu.customers import services as customers
from kehu.customers.models import Person
from kehu.mail.matching import person_with_address
from kehu.service.mailbox.models import SupportMailbox
from kehu.service.portal.models import PortalAccess, new_portal_key
from kehu.service.sla import clock
from kehu.service.tickets import services as tickets
from kehu.service.tickets.models import Ticket

SALT = "kehu.service.portal"


class SpamRefused(Exception):
    """A support form post that looks automated ("honeypot"), or one address posting too
    often ("rate")."""


# ---------------------------------------------------------------- links


def access_for(ticket: Ticket) -> PortalAccess:
    """The ticket's portal key, made the first time a link is needed."""
    access, _created = PortalAccess.objects.get_or_create(
        ticket=ticket, defaults={"key": new_portal_key()}
    )
    return access


def portal_token(ticket: Ticket) -> str:
    access = access_for(ticket)
    return signing.dumps([ticket.pk, access.key], salt=SALT, compress=True)


def portal_path(ticket: Ticket) -> str:
    return reverse("support-portal", args=[portal_token(ticket)])


def portal_url(ticket: Ticket) -> str:
    """The absolute link the requester follows their ticket by (KEHU_PUBLIC_URL)."""
    return settings.PUBLIC_URL.rstrip("/") + portal_path(ticket)


def ticket_for_token(token: str) -> Ticket | None:
    """The live ticket a portal token names, or None (forged, altered, expired or revoked)."""
    max_age = datetime.timedelta(days=settings.SUPPORT_PORTAL_LINK_DAYS)
    try:
        ticket_id, key = signing.loads(token, salt=SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(ticket_id, int) or not isinstance(key, str):
        return None
    access = (
        PortalAccess.objects.filter(ticket_id=ticket_id, ticket__deleted_at__isnull=True)
        .select_related("ticket")
        .first()
    )
    if access is None or not secrets.compare_digest(access.key, key):
        return None
    return access.ticket


def follow_line(link: str) -> str:
    """The line mail to the requester carries: where to follow the request."""
    return _("Follow your request: %(link)s") % {"link": link}


def revoke_link(actor: User, ticket: Ticket) -> PortalAccess:
    """Every portal link sent for the ticket stops working; a new one is made (colleagues who
    work the ticket: service edit on it)."""
    visibility.require_record(actor, ticket, "edit")
    with transaction.atomic():
        access = access_for(ticket)
        access.key = new_portal_key()
        access.revoked_at = timezone.now()
        access.save(update_fields=["key", "revoked_at"])
        audit.record(actor, ticket, "update", {"_portal_link": ["revoked", None]})
    return access


# ---------------------------------------------------------------- the public form


def form_person_owner() -> User | None:
    """Who owns the people the support form brings in (see the module's docstring)."""
    mailbox = (
        SupportMailbox.objects.filter(active=True, person_owner__is_active=True)
        .select_related("person_owner")
        .order_by("id")
        .first()
    )
    if mailbox is not None:
        return mailbox.person_owner
    from kehu.sales.leads.services import web_lead_owner

    return web_lead_owner()


def _requester(name: str, email: str) -> Person:
    owner = form_person_owner()
    found = person_with_address(email, owner)
    if found is not None:
        return found
    if owner is None:
        raise ValidationError(_("The support form is not ready: there is no administrator yet."))
    name = " ".join(name.split())[:150] or email.rpartition("@")[0][:150] or email[:150]
    return customers.create_person(owner, {"name": name, "email": email[:254], "owner": owner})


def open_web_ticket(data: dict[str, Any], address: str | None, honeypot: str = "") -> Ticket:
    """A ticket from the public support form (`name`, `email`, `subject`, `description`), its
    requester found by address or made; the requester is mailed the portal link."""
    if honeypot:
        raise SpamRefused("honeypot")
    if address:
        hour_ago = timezone.now() - datetime.timedelta(hours=1)
        recent = PortalAccess.objects.filter(web_address=address, created_at__gte=hour_ago)
        if recent.count() >= settings.SUPPORT_FORM_PER_HOUR:
            raise SpamRefused("rate")
    email = str(data.get("email") or "").strip()
    if not email:
        raise ValidationError({"email": [_("This field is required.")]})
    try:
        body = tickets.clean_body(data.get("description"))
    except ValidationError as exc:
        raise ValidationError({"description": exc.message_dict["body"]}) from None
    with transaction.atomic():
        requester = _requester(str(data.get("name") or ""), email)
        ticket = tickets.open_customer_ticket(
            requester, str(data.get("subject") or ""), body, Ticket.Channel.WEB
        )
        PortalAccess.objects.create(ticket=ticket, web_address=address, key=new_portal_key())
        _acknowledge(ticket)
    return ticket


def _acknowledge(ticket: Ticket) -> None:
    from kehu.service.mailbox import replies

    mailbox = SupportMailbox.objects.filter(active=True).order_by("id").first()
    replies.queue_acknowledgement(ticket, mailbox, "")


# ---------------------------------------------------------------- the customer's actions


def solve_by_customer(ticket: Ticket) -> Ticket:
    """The requester says their request is answered: the ticket is solved, with no colleague
    acting (the portal's signed link proved who asked). A solved one stays as it is; a closed
    one cannot change."""
    with transaction.atomic():
        current = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if current.status == Ticket.Status.CLOSED:
            raise ValidationError(
                _("This ticket is closed. A new message from the customer opens a new one.")
            )
        if current.status == Ticket.Status.SOLVED:
            return current
        now = timezone.now()
        before = current.status
        current.status = Ticket.Status.SOLVED
        tickets.stamp_status(current, before)
        clock.settle(current, before, now)
        current.version += 1
        current.updated_at = now
        current.save()
        changes = {"status": [before, current.status]}
        audit.record(None, current, "update", {**changes, "_by_customer": True})
        events.emit("ticket.updated", actor=None, record=current, changes=changes)
    return current


def add_portal_reply(ticket: Ticket, body: Any) -> Any:
    """The requester answered on the portal page: their reply, as if mailed (it brings a
    pending or solved ticket back to the team)."""
    requester = Person.objects.filter(pk=ticket.requester_id).first()
    return tickets.add_customer_reply(ticket, requester, body, Ticket.Channel.PORTAL)
