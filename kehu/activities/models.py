"""Activities around a customer record (tasks, calls, meetings, notes, emails), their
reminders, calendar feeds and in-app notifications. Email details: `email_models`."""

import datetime
from typing import cast

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.models import BINNED, Record, RecordQuerySet, Versioned

NOTE_MAX_LENGTH = 10_000
SUBJECT_MAX_LENGTH = 200
ALIVE = models.Q(deleted_at__isnull=True)
OPEN_TASK = models.Q(kind="task", done_at__isnull=True, deleted_at__isnull=True)


class ActivityQuerySet(RecordQuerySet["Activity"]):
    def visible_to(self, user, action: str = "read") -> "ActivityQuerySet":
        """The one door for activity reads: an activity is seen by whoever may see the record
        it was logged on (decision 0014); a private one by its owner only."""
        from kehu.activities.visibility import filter_visible_activities

        return filter_visible_activities(self, user, action)

    def on(self, record) -> "ActivityQuerySet":
        """The activities logged on `record` (a person, company, lead or deal)."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(record.__class__), object_id=record.pk
        )

    def open_tasks(self) -> "ActivityQuerySet":
        return self.filter(OPEN_TASK)


_LiveActivityManagerBase = models.Manager.from_queryset(ActivityQuerySet)


class LiveActivityManager(_LiveActivityManagerBase["Activity"]):
    def get_queryset(self) -> ActivityQuerySet:
        return cast(ActivityQuerySet, super().get_queryset().filter(deleted_at__isnull=True))


class Activity(Record):
    """Something done or planned with a customer: a task, call, meeting, note or email, logged
    on one person, company, lead or deal. `at` places it on the timeline: when a call or email
    happened, when a meeting starts, when a note or task was written. `company` is the company
    the record belonged to when it was logged, so a company's timeline shows its people's."""

    module = "activities"

    class Kind(models.TextChoices):
        TASK = "task", _("task")
        CALL = "call", _("call")
        MEETING = "meeting", _("meeting")
        NOTE = "note", _("note")
        EMAIL = "email", pgettext_lazy("email message", "email")

    class Priority(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")

    class Direction(models.TextChoices):
        OUTGOING = "out", _("outgoing")
        INCOMING = "in", _("incoming")

    class Outcome(models.TextChoices):
        CONNECTED = "connected", _("connected")
        NO_ANSWER = "no_answer", _("no answer")
        VOICEMAIL = "voicemail", _("left a voicemail")
        BUSY = "busy", _("busy")
        WRONG_NUMBER = "wrong_number", _("wrong number")

    class Repeat(models.TextChoices):
        NEVER = "", _("does not repeat")
        DAILY = "daily", _("every day")
        WEEKLY = "weekly", _("every week")
        MONTHLY = "monthly", _("every month")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    company = models.ForeignKey(
        "customers.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("company"),
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH, blank=True, default="")
    body = models.TextField(_("details"), max_length=NOTE_MAX_LENGTH, blank=True, default="")
    at = models.DateTimeField(_("when"), default=timezone.now)
    # tasks
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    priority = models.CharField(
        _("priority"), max_length=6, choices=Priority.choices, default=Priority.NORMAL
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    repeat = models.CharField(
        _("repeats"), max_length=7, choices=Repeat.choices, blank=True, default=""
    )
    #: a monthly series' day of the month, kept on each occurrence: 31 for one started on
    #: 31 January, though this occurrence falls on 28 February
    repeat_day = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    #: the occurrence completing this repeating task made: completing it again (after
    #: reopening it) makes no second one
    next_occurrence = models.ForeignKey(
        "self", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    # calls
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, blank=True, default=""
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, blank=True, default=""
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    # meetings
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True, default="")
    attendee_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("colleagues")
    )
    attendee_people = models.ManyToManyField(
        "customers.Person", blank=True, related_name="+", verbose_name=_("attendees")
    )
    #: minutes before a meeting starts or a task is due to remind its people; None: no reminder
    remind_minutes = models.PositiveIntegerField(_("reminder"), null=True, blank=True)
    #: private (emails): only the owner sees it until they share it
    private = models.BooleanField(_("private"), default=False)

    #: set by `my_day.services.attach_records`: the record a row shows (binned ones too)
    shown_record: models.Model | None

    # Record's managers, answering ActivityQuerySets (which Record's annotations cannot say)
    objects = LiveActivityManager()  # type: ignore[assignment, misc]
    all_objects = ActivityQuerySet.as_manager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-at", "-id"],
                condition=ALIVE,
                name="activity_record_idx",
            ),
            models.Index(
                fields=["company", "-at", "-id"], condition=ALIVE, name="activity_company_idx"
            ),
            models.Index(
                fields=["owner", "due_at", "id"], condition=OPEN_TASK, name="activity_open_task_idx"
            ),
            models.Index(
                fields=["owner", "at", "id"], condition=ALIVE, name="activity_owner_at_idx"
            ),
            models.Index(fields=["-at", "-id"], condition=ALIVE, name="activity_at_idx"),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="activity_binned_idx"),
            # the calendar's tasks, done ones included
            models.Index(
                fields=["owner", "due_at", "id"],
                condition=models.Q(kind="task", deleted_at__isnull=True),
                name="activity_task_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gte=models.F("at")),
                name="activity_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.subject or self.body[:60] or self.get_kind_display()

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activity-detail", args=[self.pk])

    @property
    def is_open_task(self) -> bool:
        return self.kind == self.Kind.TASK and self.done_at is None

    def starts_or_due(self) -> datetime.datetime | None:
        """The moment a reminder counts back from: a meeting's start, a task's due time."""
        if self.kind == self.Kind.MEETING:
            return self.at
        if self.kind == self.Kind.TASK:
            return self.due_at
        return None


class Reminder(models.Model):
    """One reminder to one user about one activity, due at `due_at`. The sweep claims it,
    tells the user (bell and email) and marks it sent in one go, so it is sent once; a failed
    email leaves it unsent for a later try (decision 0014)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    #: not before this time (retries after a failure back off)
    next_try_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True, default="")
    notified_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    #: why it was not sent (e.g. the task was deleted or done first)
    cancelled = models.CharField(max_length=30, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user", "due_at"], name="reminder_once_per_time"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_try_at", "id"],
                condition=models.Q(sent_at__isnull=True, cancelled=""),
                name="reminder_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.user_id} @ {self.due_at:%Y-%m-%d %H:%M}"


class CalendarFeed(Versioned):
    """A personal iCalendar feed URL. Only the SHA-256 of its secret is kept; revoking it (or
    making a new one) stops the old URL working at once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.prefix}…"


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


from kehu.activities.invitations.models import *  # noqa: E402,F403  (invitation deliveries)
