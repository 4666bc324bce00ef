"""What the learning app stores: who has seen the first-run tour, and the feedback items."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.models import Versioned


class TourSeen(models.Model):
    """A user finished or skipped the first-run tour: it is not offered again on its own
    (it can always be replayed from the help centre or the palette)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tour_seen"
    )
    tour = models.CharField(max_length=20)  # the role's tour that was shown: rep, manager, admin
    finished = models.BooleanField(default=False)  # False: skipped before the last step
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id} {self.tour}"


class FeedbackQuerySet(models.QuerySet):
    def visible_to(self, user) -> "FeedbackQuerySet":
        """Administrators see every item; everyone else only what they sent themselves."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self
        return self.filter(author=user)


class Feedback(Versioned):
    """What hinders a user, told to the administrators, who work through the list."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("feedback status", "New")
        PLANNED = "planned", pgettext_lazy("feedback status", "Planned")
        DONE = "done", pgettext_lazy("feedback status", "Done")
        WONT_DO = "wont_do", pgettext_lazy("feedback status", "Won't do")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("from"),
    )
    what = models.TextField(_("what hinders you"), max_length=4000)
    where = models.CharField(_("where"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    reply = models.TextField(_("reply"), max_length=4000, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("replied by"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("feedback")
        indexes = [
            models.Index(fields=["author", "id"], name="feedback_author_id"),
            models.Index(fields=["status", "id"], name="feedback_status_id"),
        ]

    def __str__(self) -> str:
        return self.what[:60]


class SampleDataLoad(models.Model):
    """An administrator's request to fill an empty instance with the sample (demo) data, run
    as a background task; the page polls this row for its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Loading")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    #: what the loader said as it went ("40 companies", …), one line each
    progress = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.state}"
