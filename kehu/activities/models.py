"""Activities around a customer record. For now: notes on a person or company."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOTE_MAX_LENGTH = 10_000


class NoteQuerySet(models.QuerySet):
    def alive(self) -> "NoteQuerySet":
        return self.filter(deleted_at__isnull=True)

    def on(self, record) -> "NoteQuerySet":
        """The notes attached to `record` (a person or a company)."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(record.__class__), object_id=record.pk
        )


class Note(models.Model):
    """A free-text note someone wrote about a person or a company."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"), max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = NoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("note")
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-created_at", "-id"], name="note_record_idx"
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]


class Notification(models.Model):
    """Something a user should know about (a lead assigned to them, a reminder), shown under
    the bell until they read it. The text is written in the user's language when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="notification_user_idx"),
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class DailyRun(models.Model):
    """A day the daily jobs (scores, reminders, digests) ran: one row per day, so however many
    workers schedule them, they run once."""

    day = models.DateField(unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    digests = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.day)
