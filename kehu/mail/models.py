"""Email sent from and received into Kehu. A message matched to a person is an `Activity`
(kind "email") and so sits on the timelines; a received message nobody matches waits in the
review list with `activity` empty, so nothing is created silently and nothing is lost."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.models import Versioned

__all__ = ["EmailAttachment", "EmailMessage", "EmailSignature", "EmailTemplate", "MailboxState"]


class EmailMessage(models.Model):
    class Direction(models.TextChoices):
        OUTGOING = "out", _("sent")
        INCOMING = "in", _("received")

    class Status(models.TextChoices):
        QUEUED = "queued", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        RECEIVED = "received", _("received")
        REVIEW = "review", _("to review")
        IGNORED = "ignored", _("ignored")

    activity = models.OneToOneField(
        "activities.Activity",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="email",
    )
    #: whose mail it is: the sender, or the user whose mailbox received it
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=8, choices=Status.choices)
    error = models.CharField(max_length=500, blank=True, default="")
    message_id = models.CharField(max_length=255, blank=True, default="")
    in_reply_to = models.CharField(max_length=255, blank=True, default="")
    references = models.TextField(blank=True, default="")
    #: the Message-ID of the first message of the conversation
    thread_key = models.CharField(max_length=255, blank=True, default="")
    from_address = models.CharField(_("from"), max_length=254, blank=True, default="")
    from_name = models.CharField(max_length=200, blank=True, default="")
    to = models.JSONField(_("to"), default=list, blank=True)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True, default="")
    text = models.TextField(blank=True, default="")
    #: sanitised HTML body (never the raw one)
    html = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    #: the message as received or sent, byte for byte
    raw = models.FileField(upload_to="mail/raw/%Y/%m", blank=True)

    class Meta:
        db_table = "activities_emailmessage"  # the table it had in `activities` (decision 0018)
        verbose_name = pgettext_lazy("email message", "email")
        indexes = [
            models.Index(fields=["message_id"], name="email_message_id_idx"),
            models.Index(fields=["thread_key", "sent_at"], name="email_thread_idx"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(status="review"),
                name="email_review_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id


class EmailAttachment(models.Model):
    message = models.ForeignKey(EmailMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="mail/attachments/%Y/%m")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "activities_emailattachment"  # the table it had in `activities` (decision 0018)

    def __str__(self) -> str:
        return self.filename


class EmailTemplate(Versioned):
    """A reusable email with placeholders such as {{ person.name }}."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"), max_length=20_000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "activities_emailtemplate"  # the table it had in `activities` (decision 0018)
        verbose_name = _("email template")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EmailSignature(Versioned):
    """A user's own signature, added under every email they send."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_signature"
    )
    text = models.TextField(_("signature"), max_length=2_000, blank=True, default="")

    class Meta:
        db_table = "activities_emailsignature"  # the table it had in `activities` (decision 0018)

    def __str__(self) -> str:
        return f"{self.user_id}"


class MailboxState(models.Model):
    """How far Kehu has read an IMAP mailbox: the folder's UIDVALIDITY and the last UID seen."""

    key = models.CharField(max_length=300, unique=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        db_table = "activities_mailboxstate"  # the table it had in `activities` (decision 0018)

    def __str__(self) -> str:
        return self.key
