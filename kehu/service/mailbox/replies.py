"""The mail the service desk sends: an agent's public reply, and the acknowledgement of a
ticket opened by mail. Each is an `OutgoingTicketMail` row queued in the transaction that
wrote it; after the commit a task hands it to the SMTP server (the KEHU_EMAIL_* settings)
and marks it sent or failed, so the agent sees on the ticket whether the customer got it.

The task is idempotent (only a queued row is sent) and retries a temporary failure (the
server is down, a 4xx answer) a few times with growing pauses before giving up.

Threading: each mail has its own Message-ID (kept on the agent's `TicketMessage`), answers
the thread's latest mail (In-Reply-To) and lists the thread (References), and its subject
carries "[#123]", so the customer's answer finds its ticket. A reply is its Markdown as plain
text, and as HTML sanitised as the ticket page shows it. An acknowledgement is marked
`Auto-Submitted: auto-replied` (RFC 3834) so other robots do not answer it; an agent's reply
is a person's mail and carries no such header.
"""

import datetime
import logging
import re
import smtplib
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kehu.mail.sending import email_configured, new_message_id, sender_address
from kehu.service.mailbox.models import InboundMail, OutgoingTicketMail, SupportMailbox
from kehu.service.tickets.models import Ticket, TicketMessage

log = logging.getLogger(__name__)

#: tries of a mail the SMTP server refused for now (4xx) or could not be reached for
MAX_TRIES = 4
RETRY_PAUSE = datetime.timedelta(minutes=2)
#: the thread's Message-IDs listed in References at most (the first one always)
MAX_REFERENCES = 20
REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|回复|答复|转发)\s*[:：]\s*)+", re.I)


def mailbox_of(ticket: Ticket) -> SupportMailbox | None:
    """The support mailbox the ticket's mail came through most recently, if any."""
    latest = (
        InboundMail.objects.filter(ticket=ticket, mailbox__isnull=False)
        .select_related("mailbox")
        .order_by("-received_at", "-id")
        .first()
    )
    return latest.mailbox if latest is not None else None


def subject_for(ticket: Ticket) -> str:
    """ "Re: <subject> [#123]": the reference lets the customer's answer find the ticket."""
    subject = REPLY_PREFIX.sub("", ticket.subject).strip()
    return f"Re: {subject} [{ticket.reference}]"[:500]


def _thread_ids(ticket: Ticket, exclude_message: int | None = None) -> list[str]:
    """The Message-IDs of the ticket's mail so far, oldest first."""
    dated: list[tuple[datetime.datetime, str]] = []
    messages = TicketMessage.objects.filter(ticket=ticket).exclude(message_id="")
    if exclude_message is not None:
        messages = messages.exclude(pk=exclude_message)
    dated += [(at, mid) for at, mid in messages.values_list("created_at", "message_id")]
    sent = OutgoingTicketMail.objects.filter(
        ticket=ticket, kind=OutgoingTicketMail.Kind.ACKNOWLEDGEMENT
    )
    dated += [(at, mid) for at, mid in sent.values_list("created_at", "message_id")]
    ids = [mid for _at, mid in sorted(dated)]
    if ticket.first_message_id:
        ids.insert(0, ticket.first_message_id)
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return ids


def _sender(mailbox: SupportMailbox | None) -> tuple[str, str]:
    if mailbox is not None:
        return mailbox.address, mailbox.name
    return sender_address(), ""


def _queue(mail: OutgoingTicketMail) -> OutgoingTicketMail:
    if not email_configured():
        mail.status = OutgoingTicketMail.Status.FAILED
        mail.error = _("Email is not set up on this server yet: ask an administrator to set it up.")
    mail.save()
    if mail.status == OutgoingTicketMail.Status.QUEUED:
        pk = mail.pk
        transaction.on_commit(lambda: deliver_ticket_mail.enqueue(pk))
    return mail


def queue_reply(message: TicketMessage) -> OutgoingTicketMail | None:
    """Send the agent's public reply to the requester (None when they have no address)."""
    ticket = Ticket.all_objects.select_related("requester").get(pk=message.ticket_id)
    to = (ticket.requester.email or "").strip()
    if not to or message.kind != TicketMessage.Kind.REPLY or message.author_id is None:
        return None
    if OutgoingTicketMail.objects.filter(reply=message).exists():
        return None
    mailbox = mailbox_of(ticket)
    address, name = _sender(mailbox)
    thread = _thread_ids(ticket, exclude_message=message.pk)
    message_id = new_message_id()
    TicketMessage.objects.filter(pk=message.pk).update(message_id=message_id)
    message.message_id = message_id
    text = f"{message.body}\n\n{_follow_line(ticket)}"
    if mailbox is not None:
        text = f"{text}\n\n-- \n{mailbox.name}"
    return _queue(
        OutgoingTicketMail(
            ticket=ticket,
            reply=message,
            mailbox=mailbox,
            kind=OutgoingTicketMail.Kind.REPLY,
            message_id=message_id,
            in_reply_to=thread[-1] if thread else "",
            references=" ".join(thread),
            from_address=address,
            from_name=name,
            to=to[:254],
            subject=subject_for(ticket),
            text=text,
        )
    )


def acknowledgement_text(ticket: Ticket) -> str:
    """ "We received your request #123", in English and in Chinese (Kehu does not know which
    language a customer reads)."""
    parts = []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            parts.append(
                _(
                    "We received your request %(reference)s: “%(subject)s”. Our team will "
                    "answer you as soon as possible. To add something, reply to this email "
                    "and keep %(reference)s in the subject."
                )
                % {"reference": ticket.reference, "subject": ticket.subject}
            )
    parts.append(_follow_line(ticket))
    return "\n\n".join(dict.fromkeys(parts))  # once while the catalogue lacks the Chinese


def _follow_line(ticket: Ticket) -> str:
    """ "Follow your request: <portal link>", in English and in Chinese."""
    from kehu.service.portal.services import follow_line, portal_url

    link, lines = portal_url(ticket), []
    for language in ("en", "zh-hans"):
        with translation.override(language):
            lines.append(follow_line(link))
    return "\n".join(dict.fromkeys(lines))


def queue_acknowledgement(
    ticket: Ticket, mailbox: SupportMailbox | None, in_reply_to: str
) -> OutgoingTicketMail | None:
    """Tell the requester their mail (or the support form) became ticket #123 (the mailbox's
    `acknowledge`; from the default sender without a mailbox)."""
    to = (ticket.requester.email or "").strip()
    if not to:
        return None
    address, name = _sender(mailbox)
    return _queue(
        OutgoingTicketMail(
            ticket=ticket,
            mailbox=mailbox,
            kind=OutgoingTicketMail.Kind.ACKNOWLEDGEMENT,
            message_id=new_message_id(),
            in_reply_to=in_reply_to,
            references=in_reply_to,
            from_address=address,
            from_name=name,
            to=to[:254],
            subject=subject_for(ticket),
            text=acknowledgement_text(ticket),
        )
    )


def mark_bounced(mail: OutgoingTicketMail) -> None:
    """A delivery report came back for a mail Kehu sent: it did not reach the customer."""
    with translation.override(settings.LANGUAGE_CODE):
        error = _("The customer's mail server sent it back (a delivery failure report).")
    OutgoingTicketMail.objects.filter(pk=mail.pk).update(
        status=OutgoingTicketMail.Status.FAILED, error=error
    )


# ---------------------------------------------------------------- delivery (the task)


def _mail(mail: OutgoingTicketMail):
    from django.core.mail import EmailMultiAlternatives as Outgoing

    from kehu.activities.rendering import render_markdown

    headers = {"Message-ID": mail.message_id, "Date": format_datetime(timezone.now())}
    if mail.in_reply_to:
        headers["In-Reply-To"] = mail.in_reply_to
        headers["References"] = mail.references or mail.in_reply_to
    if mail.kind == OutgoingTicketMail.Kind.ACKNOWLEDGEMENT:
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    outgoing = Outgoing(
        subject=mail.subject,
        body=mail.text,
        from_email=formataddr((mail.from_name, mail.from_address)),
        to=[mail.to],
        reply_to=[mail.from_address],
        headers=headers,
    )
    if mail.kind == OutgoingTicketMail.Kind.REPLY:
        # the agent wrote Markdown: also as HTML, sanitised as the ticket page shows it
        outgoing.attach_alternative(str(render_markdown(mail.text)), "text/html")
    return outgoing


def _temporary(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPServerDisconnected | OSError)


def _retry(pk: int, tries: int) -> bool:
    """Queue another try later; False when the task backend cannot wait (the tests')."""
    backend = deliver_ticket_mail.get_backend()
    if not backend.supports_defer:
        return False
    pause = RETRY_PAUSE * (2 ** (tries - 1))
    deliver_ticket_mail.using(run_after=timezone.now() + pause).enqueue(pk, tries + 1)
    return True


def _deliver(mail: OutgoingTicketMail | None, tries: int) -> str:
    if mail is None:
        return "missing"
    if mail.status != OutgoingTicketMail.Status.QUEUED:
        return mail.status  # sent already, or given up on: nothing to do
    try:
        _mail(mail).send(fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if _temporary(exc) and tries < MAX_TRIES and _retry(mail.pk, tries):
            OutgoingTicketMail.objects.filter(pk=mail.pk).update(error=error)
            return "retry"
        mail.status, mail.error = OutgoingTicketMail.Status.FAILED, error
        mail.save(update_fields=["status", "error"])
        return mail.status
    mail.status, mail.error, mail.sent_at = OutgoingTicketMail.Status.SENT, "", timezone.now()
    mail.save(update_fields=["status", "error", "sent_at"])
    return mail.status


@task()
def deliver_ticket_mail(pk: int, tries: int = 1) -> str:
    """Hand one queued ticket mail to the SMTP server; one not queued is left alone. On
    PostgreSQL the row is locked while it is sent, so two workers never both send it."""
    rows = OutgoingTicketMail.objects.all()
    if connection.features.has_select_for_update:
        with transaction.atomic():
            return _deliver(rows.select_for_update().filter(pk=pk).first(), tries)
    # SQLite: a write transaction would lock the whole database for the length of the send
    return _deliver(rows.filter(pk=pk).first(), tries)
