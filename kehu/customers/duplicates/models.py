"""What the duplicates work keeps: the pairs a scan found (and those dismissed for good), the
scans themselves (progress), and each merge with what undoing it needs."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KINDS = (("person", _("people")), ("company", _("companies")))
OPEN = Q(dismissed_at__isnull=True)


class DuplicatePair(models.Model):
    """Two people (or two companies) that look like one, the lower id first. A dismissed pair
    ("not a duplicate") keeps its row, so no later scan offers it again."""

    kind = models.CharField(max_length=7, choices=KINDS)
    person_a = models.ForeignKey(
        "customers.Person", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    person_b = models.ForeignKey(
        "customers.Person", null=True, on_delete=models.CASCADE, related_name="+"
    )
    company_a = models.ForeignKey(
        "customers.Company", null=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    company_b = models.ForeignKey(
        "customers.Company", null=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    #: reason codes (matching.REASONS), strongest first
    reasons = models.JSONField(default=list)
    found_at = models.DateTimeField(default=timezone.now)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_a", "person_b"], condition=Q(kind="person"), name="dup_person_pair"
            ),
            models.UniqueConstraint(
                fields=["company_a", "company_b"],
                condition=Q(kind="company"),
                name="dup_company_pair",
            ),
        ]
        indexes = [
            # the queue: open pairs of a kind, best first
            models.Index(fields=["kind", "-score", "-id"], condition=OPEN, name="dup_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.first_id}-{self.second_id}"

    @property
    def first_id(self) -> int | None:
        return self.person_a_id if self.kind == "person" else self.company_a_id

    @property
    def second_id(self) -> int | None:
        return self.person_b_id if self.kind == "person" else self.company_b_id


class DuplicateScan(models.Model):
    """One run of the background scan, with its progress for the queue page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: records read so far, of `total`
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"scan {self.pk} {self.status}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


class Merge(models.Model):
    """One merge: the survivor, the records merged into it, the survivor's values before and
    after, and the rows each app moved (by id), so that undo puts back exactly those."""

    kind = models.CharField(max_length=7, choices=KINDS)
    survivor_id = models.BigIntegerField()
    loser_ids = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    #: the survivor's stored field values before and after the merge ({field: value})
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    #: {mover name: what it moved}, as each registered mover describes it
    moved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    #: the survivor's version right after the merge (set by the service, not stored)
    after_version: int

    class Meta:
        indexes = [models.Index(fields=["kind", "survivor_id", "-merged_at"], name="merge_idx")]

    def __str__(self) -> str:
        return f"{self.kind} merge into {self.survivor_id}"
