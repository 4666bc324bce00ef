"""An import of people or companies from a CSV or XLSX file, and how far it has got."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.models import Versioned

#: how many row errors a job keeps for display and the error report (the count goes on)
MAX_STORED_ERRORS = 1000


class ImportJob(Versioned):
    class Status(models.TextChoices):
        MAPPING = "mapping", _("waiting for column mapping")
        PENDING = "pending", _("waiting to start")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    class Entity(models.TextChoices):
        PERSON = "person", _("People")
        COMPANY = "company", _("Companies")
        LEAD = "lead", _("Leads")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    entity = models.CharField(_("import"), max_length=10, choices=Entity.choices)
    original_name = models.CharField(_("file"), max_length=255)
    #: file name inside settings.IMPORT_DIR
    stored_name = models.CharField(max_length=100)
    format = models.CharField(max_length=4, choices=Format.choices)
    size = models.BigIntegerField(default=0)
    encoding = models.CharField(max_length=20, blank=True, default="")
    delimiter = models.CharField(max_length=1, blank=True, default="")
    headers = models.JSONField(default=list, blank=True)
    #: one Kehu field name (or "" to ignore) per column of the file
    mapping = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.MAPPING
    )
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    imported = models.PositiveIntegerField(pgettext_lazy("count", "imported"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    companies_created = models.PositiveIntegerField(default=0)
    #: [{"line": n, "reason": "..."}], at most MAX_STORED_ERRORS; error_count keeps counting
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    #: imported rows that look like records the user could see (duplicates/importing.py):
    #: [{"line", "id", "name", "reasons"}], at most MAX_STORED_ERRORS; the count goes on
    look_alikes = models.JSONField(default=list, blank=True)
    look_alike_count = models.PositiveIntegerField(default=0)
    #: the file line (header = line 1) of the last row whose batch has been committed
    position = models.PositiveIntegerField(default=1)
    message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(pgettext_lazy("moment", "created"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    #: the worker running the job renews this with every committed batch (kehu.core.leases);
    #: a running job whose lease ran out was interrupted, and is resumed from `position`
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_token = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="importjob_user_idx")]
        verbose_name = _("import")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        if self.status == self.Status.MAPPING:
            return reverse("import-map", args=[self.pk])
        return reverse("import-status", args=[self.pk])

    @property
    def path(self):
        return settings.IMPORT_DIR / self.stored_name

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def interrupted(self) -> bool:
        """Running, but its worker stopped renewing the lease (it was killed or crashed): the
        recovery sweep resumes it, or the user does with Resume."""
        if self.status != self.Status.RUNNING:
            return False
        return self.lease_until is None or self.lease_until < timezone.now()

    @property
    def resumable(self) -> bool:
        """Failed, or interrupted: Resume goes on after the last committed batch."""
        return self.status == self.Status.FAILED or self.interrupted

    @property
    def status_label(self) -> str:
        if self.interrupted:
            return str(_("Interrupted — resuming"))
        return str(self.get_status_display())

    @property
    def percent(self) -> int | None:
        if self.status == self.Status.DONE:
            return 100
        if not self.total_rows:
            return None
        return min(100, int(self.processed * 100 / self.total_rows))
