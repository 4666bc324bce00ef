"""The record of the daily jobs' runs, one row per day."""

from django.db import models
from django.utils import timezone


class DailyRun(models.Model):
    """A day the daily jobs (scores, reminders, digests) ran: one row per day, so however many
    workers schedule them, they run once."""

    day = models.DateField(unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    digests = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "activities_dailyrun"  # the table it had in `activities` (decision 0018)

    def __str__(self) -> str:
        return str(self.day)
