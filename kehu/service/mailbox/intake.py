"""Email to ticket: one message read from a support mailbox becomes a new ticket, a reply on
the ticket it answers, or a note on it; or it is kept in the intake log and goes nowhere.

Which ticket: a message answering one Kehu knows (In-Reply-To/References naming a ticket
message, the mail that opened a ticket, or a mail Kehu sent about one), else a "[#123]" in
the subject, believed only from the ticket's requester, so nobody adds to someone else's
ticket by guessing a number. A reply to a closed ticket opens a new one that names it.

Machines are kept apart (`kehu.mail.automatic`): a bounce or an out-of-office on a ticket is
a note on it, never a reply; a bounce that belongs to no ticket opens none; nothing Kehu sends
answers a machine. A sender past KEHU_SUPPORT_MAX_PER_SENDER_HOUR messages in an hour opens
no new ticket; mail from one of Kehu's own support addresses never becomes a ticket. Each
Message-ID is taken once (`InboundMail`), so reading a mailbox twice creates nothing.

People: the requester is the person with the sender's address (`kehu.mail.matching`, which
reads all live people: intake has no request user); a sender Kehu does not know becomes a new
person owned by the mailbox's `person_owner`, the colleague an administrator named for that
when setting the mailbox up (their role must allow creating people).
"""

import datetime
import logging
import re
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.customers import services as customers
from kehu.customers.models import Person
from kehu.mail import automatic
from kehu.mail import parsing as mail_parse
from kehu.mail.matching import address_variants, person_with_address
from kehu.mail.receiving import UnreadableEmail, _lock_message_id
from kehu.service.mailbox.models import (
    InboundMail,
    OutgoingTicketMail,
    SupportMailbox,
    TicketAttachment,
)
from kehu.service.tickets import services as tickets
from kehu.service.tickets.models import BODY_MAX_LENGTH, Ticket, TicketMessage

log = logging.getLogger(__name__)

DUPLICATE = "duplicate"
#: "[#123]" in a subject: the reference Kehu's own mail carries
SUBJECT_REFERENCE = re.compile(r"\[#(\d{1,18})\]")
EMAIL = Ticket.Channel.EMAIL


@dataclass
class Intake:
    #: an `InboundMail.Outcome` value, or DUPLICATE (taken before: nothing done)
    outcome: str
    ticket: Ticket | None = None
    #: an acknowledgement was queued
    acknowledged: bool = False
    inbound: InboundMail | None = None
    #: why it went on no ticket
    reason: str = ""


def max_per_sender_hour() -> int:
    return int(getattr(settings, "SUPPORT_MAX_PER_SENDER_HOUR", 20))


def support_addresses() -> set[str]:
    """Every address of a support mailbox of this Kehu, active or not, lower-cased."""
    return {a.lower() for a in SupportMailbox.objects.values_list("address", flat=True)}


def _seen(message_id: str) -> bool:
    """Whether Kehu has this message already: read before, or sent by Kehu itself."""
    return (
        InboundMail.objects.filter(message_id=message_id).exists()
        or OutgoingTicketMail.objects.filter(message_id=message_id).exists()
        or TicketMessage.objects.filter(message_id=message_id).exists()
        or Ticket.all_objects.filter(first_message_id=message_id).exists()
    )


def _answered_ticket(
    parsed: mail_parse.ParsedMessage,
) -> tuple[Ticket | None, OutgoingTicketMail | None]:
    """The live ticket the message answers by its threading headers (the nearest first), and
    Kehu's own mail it answers, if that is what it names."""
    ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i][:50]
    if not ids:
        return None, None
    found: dict[str, int] = {}
    ours = {m.message_id: m for m in OutgoingTicketMail.objects.filter(message_id__in=ids)}
    for mid, pk in TicketMessage.objects.filter(message_id__in=ids).values_list(
        "message_id", "ticket_id"
    ):
        found.setdefault(mid, pk)
    for mid, pk in Ticket.objects.filter(first_message_id__in=ids).values_list(
        "first_message_id", "id"
    ):
        found.setdefault(mid, pk)
    for mid, mail in ours.items():
        found.setdefault(mid, mail.ticket_id)
    for mid in ids:
        if mid in found:
            ticket = Ticket.objects.filter(pk=found[mid]).select_related("requester").first()
            if ticket is not None:
                return ticket, ours.get(mid)
    return None, None


def _referenced_ticket(parsed: mail_parse.ParsedMessage) -> Ticket | None:
    """The ticket a "[#123]" in the subject names, if the sender is its requester."""
    match = SUBJECT_REFERENCE.search(parsed.subject)
    if match is None or not parsed.from_address:
        return None
    ticket = Ticket.objects.filter(pk=int(match.group(1))).select_related("requester").first()
    if ticket is None or not ticket.requester.email:
        return None
    sender = {a.lower() for a in address_variants(parsed.from_address)}
    return ticket if ticket.requester.email.strip().lower() in sender else None


def _over_limit(address: str) -> bool:
    since = timezone.now() - datetime.timedelta(hours=1)
    recent = InboundMail.objects.filter(
        from_address__in=address_variants(address), received_at__gte=since
    )
    return recent.count() >= max_per_sender_hour()


def _body(parsed: mail_parse.ParsedMessage, lead: str = "") -> str:
    """The message's text as a ticket keeps it, with what could not be kept said under it."""
    text = parsed.text.strip()
    notes = []
    too_large = [a.filename for a in parsed.attachments if a.too_large]
    if too_large:
        notes.append(
            _("Attachments too large to keep: %(names)s.") % {"names": ", ".join(too_large)}
        )
    if not text:
        text = _("(The message has no text.)")
    parts = [p for p in [lead, text, "\n".join(notes)] if p]
    return "\n\n".join(parts)[:BODY_MAX_LENGTH]


def _store_attachments(
    parsed: mail_parse.ParsedMessage,
    ticket: Ticket,
    message: TicketMessage | None,
    stored: list[FieldFile],
) -> None:
    for item in parsed.attachments:
        if item.content is None:
            continue  # over the size limit: named in the text instead
        extension = item.filename.rpartition(".")[2][:10] if "." in item.filename else "bin"
        safe = "".join(c for c in extension if c.isascii() and c.isalnum()) or "bin"
        attachment = TicketAttachment(
            ticket=ticket,
            message=message,
            filename=item.filename[:255],
            content_type=item.content_type[:100],
            size=item.size,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{safe}", ContentFile(item.content), save=False)
        stored.append(attachment.file)
        attachment.save()


def _requester(parsed: mail_parse.ParsedMessage, mailbox: SupportMailbox) -> Person:
    """The person who wrote; a new one (the mailbox's `person_owner`'s) when Kehu has none."""
    owner = mailbox.person_owner
    found = person_with_address(parsed.from_address, owner if owner.is_active else None)
    if found is not None:
        return found
    local = parsed.from_address.rpartition("@")[0]
    name = " ".join(parsed.from_name.split())[:150] or local[:150] or parsed.from_address[:150]
    return customers.create_person(
        owner, {"name": name, "email": parsed.from_address[:254], "owner": owner}
    )


def receive(raw: bytes, mailbox: SupportMailbox) -> Intake:
    """Take one message read from `mailbox` (see the module's docstring). Raises
    UnreadableEmail for bytes that are not an email."""
    owner = mailbox.person_owner
    language = getattr(owner, "language", "") or None
    # what Kehu writes into the ticket (a follow-up's lead, what could not be kept) is in the
    # language of the colleague the mailbox's people belong to
    with translation.override(language) if language else nullcontext():
        return _receive(raw, mailbox)


def _receive(raw: bytes, mailbox: SupportMailbox) -> Intake:
    try:
        parsed = mail_parse.parse(raw)
    except ValueError as exc:
        raise UnreadableEmail(str(exc)) from None
    except Exception:  # noqa: BLE001  (mail built to break readers: never fatal)
        raise UnreadableEmail(_("This message could not be read.")) from None
    stored: list[FieldFile] = []
    try:
        with transaction.atomic():
            _lock_message_id(parsed.message_id)
            if _seen(parsed.message_id):
                return Intake(DUPLICATE)
            intake = _take(parsed, mailbox, stored)
            intake.inbound = InboundMail.objects.create(
                mailbox=mailbox,
                message_id=parsed.message_id,
                from_address=parsed.from_address[:254],
                subject=parsed.subject[:500],
                text=parsed.text[:BODY_MAX_LENGTH] if intake.ticket is None else "",
                automatic=parsed.automatic,
                outcome=intake.outcome,
                reason=intake.reason[:500],
                ticket=intake.ticket,
            )
    except BaseException:
        for file in stored:  # the rows were rolled back: so are their files
            try:
                assert file.name is not None
                file.storage.delete(file.name)
            except Exception:  # noqa: BLE001
                log.warning("could not remove %s after a failed intake", file.name)
        raise
    return intake


def _ignored(reason: str) -> Intake:
    return Intake(InboundMail.Outcome.IGNORED, reason=reason)


def _take(
    parsed: mail_parse.ParsedMessage, mailbox: SupportMailbox, stored: list[FieldFile]
) -> Intake:
    from kehu.service.mailbox import replies

    sender = parsed.from_address
    if not sender:
        return _ignored(_("The message names no sender."))
    if sender.lower() in support_addresses():
        return _ignored(_("Sent by one of Kehu's own support mailboxes: never made into a ticket."))
    ticket, our_mail = _answered_ticket(parsed)
    if ticket is None:
        ticket = _referenced_ticket(parsed)
    machine = parsed.automatic
    follow_up_of = None
    if ticket is not None and ticket.status == Ticket.Status.CLOSED:
        follow_up_of, ticket = ticket, None
    if ticket is not None:
        person = person_with_address(sender) if sender else None
        if machine:
            if machine == automatic.BOUNCE and our_mail is not None:
                replies.mark_bounced(our_mail)
            kind = {automatic.BOUNCE: _("a delivery report"), automatic.AUTO_REPLY:
                    _("an automatic reply"), automatic.BULK: _("bulk mail")}[machine]  # fmt: skip
            body = _body(parsed, _("Automatic message (%(kind)s) from %(address)s:") % {
                "kind": kind, "address": sender})  # fmt: skip
            note = tickets.add_automatic_message(ticket, person, body, EMAIL, parsed.message_id)
            _store_attachments(parsed, ticket, note, stored)
            return Intake(InboundMail.Outcome.NOTE, ticket)
        lead = ""
        if person is None or (ticket.requester_id != person.pk and person.email.lower() !=
                              (ticket.requester.email or "").lower()):  # fmt: skip
            lead = _("From %(address)s:") % {"address": sender}
        reply = tickets.add_customer_reply(ticket, person, _body(parsed, lead), EMAIL,
                                           parsed.message_id)  # fmt: skip
        _store_attachments(parsed, ticket, reply, stored)
        return Intake(InboundMail.Outcome.REPLY, ticket)
    if machine == automatic.BOUNCE:
        return _ignored(_("A delivery report that belongs to no ticket."))
    if machine and follow_up_of is not None:
        # an out-of-office answering the last mail of a finished ticket is not a new request
        return _ignored(_("An automatic answer about a closed ticket."))
    if _over_limit(sender):
        limit = max_per_sender_hour()
        reason = _("More than %(n)s messages from this sender in an hour.") % {"n": limit}
        return Intake(InboundMail.Outcome.HELD, reason=reason)
    try:
        requester = _requester(parsed, mailbox)
    except (ValidationError, PermissionDenied) as exc:
        detail = "; ".join(getattr(exc, "messages", None) or [str(exc)])
        return _ignored(_("No person could be made for the sender: %(why)s") % {"why": detail})
    lead = ""
    if follow_up_of is not None:
        lead = _("Follow-up to the closed ticket %(reference)s.") % {
            "reference": follow_up_of.reference}  # fmt: skip
    ticket = tickets.open_customer_ticket(
        requester,
        parsed.subject,
        _body(parsed, lead),
        EMAIL,
        team=mailbox.team,
        message_id=parsed.message_id,
    )
    _store_attachments(parsed, ticket, None, stored)
    acknowledged = False
    if mailbox.acknowledge and not machine and requester.email:
        replies.queue_acknowledgement(ticket, mailbox, parsed.message_id)
        acknowledged = True
    return Intake(InboundMail.Outcome.TICKET, ticket, acknowledged)
