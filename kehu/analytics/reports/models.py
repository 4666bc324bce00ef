"""Saved reports, their runs in the worker, their email schedules and each email sent."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned


class Report(Versioned):
    """A saved report definition (kehu/analytics/reports/definition.py). Shared with a team or
    everyone, it is still run for each viewer over the records they may see."""

    class Sharing(models.TextChoices):
        PRIVATE = "private", _("Only me")
        TEAM = "team", _("My team")
        EVERYONE = "everyone", _("Everyone")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    name = models.CharField(_("name"), max_length=100)
    definition = models.JSONField(_("definition"), default=dict)
    sharing = models.CharField(
        _("shared with"), max_length=10, choices=Sharing.choices, default=Sharing.PRIVATE
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("report")
        indexes = [
            models.Index(fields=["owner", "name"], name="report_owner_idx"),
            models.Index(fields=["sharing", "team"], name="report_sharing_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ReportRun(models.Model):
    """A report run in the worker for one viewer (it reads too many records for a page):
    its progress while it runs, then its result, kept for that viewer."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE)
    definition = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["viewer", "created_at"], name="report_run_viewer_idx")]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"


class ReportSchedule(Versioned):
    """A saved report emailed daily, weekly or monthly to chosen active users, each getting
    it run as themselves. It stops when its report's owner is deactivated."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="schedule")
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    #: the hour (in the owner's time zone) it goes out; weekly on `weekday` (0 Monday),
    #: monthly on `day` (1–28)
    hour = models.PositiveSmallIntegerField(_("hour"), default=8)
    weekday = models.PositiveSmallIntegerField(_("weekday"), default=0)
    day = models.PositiveSmallIntegerField(_("day of the month"), default=1)
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("report schedule")

    def __str__(self) -> str:
        return f"{self.report} ({self.frequency})"


class ReportDelivery(models.Model):
    """One scheduled email of a report to one recipient, for one due time: the row that makes
    sending idempotent (a retry sends only what is still queued; nothing twice)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    schedule = models.ForeignKey(
        ReportSchedule, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "recipient", "due_at"], name="report_delivery_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} → {self.recipient_id} {self.status}"
