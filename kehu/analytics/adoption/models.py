"""Staff adoption, one row per user per day (decision 0035): what the adoption dashboard reads
instead of scanning the audit trail and the activities on every page view."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: the counters an event adds to and the catch-up recomputes (each ≥ 0)
COUNTERS = (
    "actions",
    "records_created",
    "records_updated",
    "calls",
    "meetings",
    "tasks",
    "notes",
    "emails",
    "tasks_done",
    "tasks_done_on_time",
)
#: the activity kind → the counter of activities of that kind logged
KIND_COUNTERS = {
    "call": "calls",
    "meeting": "meetings",
    "task": "tasks",
    "note": "notes",
    "email": "emails",
}


class AdoptionDay(models.Model):
    """What one user did in Kehu on one day (their own time zone's day). Kept current by the
    domain events and the login signal; `catch_up.rebuild` recomputes the counters from the
    records, activities and audit trail, and keeps `seen` and `logins`, which only live
    requests know."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    day = models.DateField(_("day"))
    #: signed in, opened a page, or wrote something that day
    active = models.BooleanField(_("active"), default=False)
    #: opened a page while signed in (one write a day: the session remembers the day)
    seen = models.BooleanField(default=False)
    logins = models.PositiveIntegerField(_("logins"), default=0)
    #: audit entries the user wrote on people, companies, leads, deals and activities
    actions = models.PositiveIntegerField(_("actions"), default=0)
    records_created = models.PositiveIntegerField(_("records created"), default=0)
    records_updated = models.PositiveIntegerField(_("records updated"), default=0)
    calls = models.PositiveIntegerField(_("calls logged"), default=0)
    meetings = models.PositiveIntegerField(_("meetings logged"), default=0)
    tasks = models.PositiveIntegerField(_("tasks created"), default=0)
    notes = models.PositiveIntegerField(_("notes written"), default=0)
    emails = models.PositiveIntegerField(_("emails logged"), default=0)
    #: the user's tasks marked done that day, and those of them done by their due time
    tasks_done = models.PositiveIntegerField(_("tasks completed"), default=0)
    tasks_done_on_time = models.PositiveIntegerField(_("tasks completed on time"), default=0)

    class Meta:
        verbose_name = _("adoption day")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="adoption_day_user_day_unique")
        ]
        indexes = [models.Index(fields=["day", "user"], name="adoption_day_day_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"

    @property
    def activities_logged(self) -> int:
        return self.calls + self.meetings + self.tasks + self.notes + self.emails
