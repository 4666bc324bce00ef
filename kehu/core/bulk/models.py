"""A bulk action's job: what was asked, on which rows, and how far it has got.

One row per bulk action, whether it ran in the request or in a worker: the result page and
`GET /api/v1/bulk/{id}` read it. A worker holds it with a lease (kehu/core/leases.py) and
commits its progress with each batch, so a crashed run resumes after the last batch.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: how many problems (record, reason) a job keeps to show; the counts go on
MAX_PROBLEMS = 100


class BulkJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to start")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)  # a registered record type: person, deal, ...
    action = models.CharField(max_length=20)
    field = models.CharField(max_length=40, blank=True, default="")
    #: the cleaned value (user id, tag name, field value), as JSON
    value = models.JSONField(null=True, blank=True)
    #: what the value reads as for people (the owner's name, the choice's label)
    value_label = models.CharField(max_length=200, blank=True, default="")
    #: the chosen rows, or None: every row matching `filters`
    ids = models.JSONField(null=True, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    in_worker = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    #: reason → how many rows it covers (skipped and failed)
    reasons = models.JSONField(default=dict, blank=True)
    #: the first MAX_PROBLEMS failures as {"id", "name", "reason"}: only rows the user sees
    problems = models.JSONField(default=list, blank=True)
    #: ids of the rows this job changed (kept for a delete, so it can be undone)
    changed_ids = models.JSONField(default=list, blank=True)
    #: the last id handled: a resumed run goes on after it
    last_id = models.BigIntegerField(default=0)
    #: the delete job this job undoes
    undoes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        app_label = "core"
        indexes = [models.Index(fields=["user", "-created_at"], name="bulkjob_user_idx")]

    def __str__(self) -> str:
        return f"bulk {self.action} on {self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.finished else None
        return min(100, round(100 * self.processed / self.total))
