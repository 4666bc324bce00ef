"""Email to ticket: the support mailboxes Kehu reads, every message it took from them (the
intake log, which also makes reading idempotent), the files customers sent, and the mail the
service desk sends (agents' replies and acknowledgements) with how its delivery went."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.models import Versioned


class SupportMailbox(Versioned):
    """A mailbox customers write to (support@…), read over IMAP by the worker. New tickets go
    to `team`'s queue; people Kehu does not know yet are created as `person_owner`'s."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (only on a trusted network)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(_("address"), unique=True)
    imap_host = models.CharField(_("IMAP server"), max_length=255)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("connection security"), max_length=8, choices=Security.choices, default=Security.SSL
    )
    imap_user = models.CharField(_("IMAP user"), max_length=255)
    #: kept as the KEHU_IMAP_PASSWORD setting is: the server needs it in clear to log in;
    #: never shown back in a form or an audit entry
    imap_password = models.CharField(_("IMAP password"), max_length=255)
    imap_folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    person_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner of new people"),
    )
    acknowledge = models.BooleanField(_("acknowledge new tickets"), default=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("support mailbox")
        verbose_name_plural = _("support mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundMail(models.Model):
    """One message read from a support mailbox, whatever became of it: its Message-ID is
    stored once, so reading a mailbox again (or another mailbox that got a copy) adds nothing."""

    class Outcome(models.TextChoices):
        TICKET = "ticket", _("new ticket")
        REPLY = "reply", _("reply on a ticket")
        NOTE = "note", _("automatic message on a ticket")
        HELD = "held", _("held: too many from this sender")
        IGNORED = "ignored", pgettext_lazy("mail", "ignored")

    mailbox = models.ForeignKey(
        SupportMailbox, null=True, on_delete=models.SET_NULL, related_name="received"
    )
    message_id = models.CharField(max_length=255, unique=True)
    from_address = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=500, blank=True, default="")
    #: the text of a message that went on no ticket (held or ignored), to look at later
    text = models.TextField(blank=True, default="")
    #: "bounce", "auto-reply", "bulk" or "" (`kehu.mail.automatic`)
    automatic = models.CharField(max_length=10, blank=True, default="")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    #: why it went on no ticket, or what could not be read
    reason = models.CharField(max_length=500, blank=True, default="")
    ticket = models.ForeignKey(
        "service.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # the per-sender hourly limit
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_idx"),
            models.Index(fields=["ticket", "-received_at"], name="inbound_ticket_idx"),
            models.Index(fields=["mailbox", "-received_at"], name="inbound_mailbox_idx"),
        ]

    def __str__(self) -> str:
        return self.message_id


class TicketAttachment(models.Model):
    """A file a customer sent: on the ticket (the mail that opened it) or on one reply."""

    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        "service.TicketMessage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(upload_to="service/attachments/%Y/%m")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class OutgoingTicketMail(models.Model):
    """A mail the service desk sends to a requester: an agent's public reply or the
    acknowledgement of a new ticket. Queued in the transaction that wrote it; a task sends
    only a queued one, so a retry never sends twice; the agent sees a failure on the ticket."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("reply")
        ACKNOWLEDGEMENT = "ack", _("acknowledgement")

    class Status(models.TextChoices):
        QUEUED = "queued", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("not delivered")

    ticket = models.ForeignKey("service.Ticket", on_delete=models.CASCADE, related_name="+")
    #: the agent's reply it carries (None for an acknowledgement)
    reply = models.OneToOneField(
        "service.TicketMessage",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delivery",
    )
    mailbox = models.ForeignKey(
        SupportMailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=5, choices=Kind.choices)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=500, blank=True, default="")
    message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True, default="")
    references = models.TextField(blank=True, default="")
    from_address = models.CharField(max_length=254)
    from_name = models.CharField(max_length=200, blank=True, default="")
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=500)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="ticket_mail_ticket_idx"),
            models.Index(
                fields=["created_at"], condition=Q(status="queued"), name="ticket_mail_queued_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.message_id
