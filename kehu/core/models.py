"""Base model every editable CRM record uses, and the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core import text, visibility

if TYPE_CHECKING:
    from kehu.accounts.models import User


_R = TypeVar("_R", bound=models.Model)


class RecordQuerySet(models.QuerySet[_R]):
    def visible_to(self, user: User, action: str = "read") -> RecordQuerySet[_R]:
        """The one door for reads: the records `user` may see (or act on) under their role."""
        return visibility.filter_visible(self, user, action)

    def in_recycle_bin(self) -> RecordQuerySet[_R]:
        return self.filter(deleted_at__isnull=False)


_LiveRecordManagerBase = models.Manager.from_queryset(RecordQuerySet)


class LiveRecordManager(_LiveRecordManagerBase[_R]):
    """Hides records that sit in the recycle bin."""

    def get_queryset(self) -> RecordQuerySet[_R]:
        return cast(RecordQuerySet[_R], super().get_queryset().filter(deleted_at__isnull=True))


#: condition for a partial index over the records in the recycle bin
BINNED = models.Q(deleted_at__isnull=False)


class Record(models.Model):
    """An owned, versioned, soft-deletable CRM record."""

    #: permission module the record belongs to (see accounts.models.MODULES)
    module = "customers"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    created_at = models.DateTimeField(
        pgettext_lazy("moment", "created"), default=timezone.now, editable=False
    )
    updated_at = models.DateTimeField(pgettext_lazy("moment", "updated"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    # No plain index: nearly every row is NULL, and such an index lures SQLite's planner away
    # from the sort indexes. Concrete models index the binned rows only (see BINNED).
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LiveRecordManager()
    all_objects = RecordQuerySet.as_manager()
    #: short text fields that may hold several lines (a postal address; a mail server's answer)
    multi_line_fields = ("address", "email_error")

    class Meta:
        abstract = True

    def clean_fields(self, exclude: Any = None) -> None:
        """Django's field checks, and one line in every one-line text field (core/text.py)."""
        errors: dict[str, list[Any]] = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for name, messages in text.one_line_errors(
            self, {*(exclude or ()), *self.multi_line_fields}
        ).items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


class Versioned(models.Model):
    """An editable row that is not an owned Record (a template, a setting, an import job): it
    carries `version` as records do, so a stale form or API `If-Match` is refused (DESIGN.md,
    pattern 4). Its service checks the version it was given and adds one with every change."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One change to one record: who, when, what, and each field's old and new value."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        RESTORE = "restore", _("restored")
        MERGE = "merge", _("merged")
        IMPORT = "import", _("imported")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.BigIntegerField()
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    #: {field: [old, new]} as display strings; extra facts under keys starting with "_"
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id", "-at", "-id"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.content_type_id}:{self.object_id}"

    def visible_changes(self) -> list[tuple[str, object, object]]:
        return [(k, v[0], v[1]) for k, v in self.changes.items() if not k.startswith("_")]


class IdempotencyKey(models.Model):
    """The first answer to an API create sent with an `Idempotency-Key` header, so that a
    retry with the same key (by the same user) gets that answer instead of a second record.
    Kept 24 hours (kehu/core/idempotency.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    #: SHA-256 of the method, path and body: the same key with another request is refused
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(default="")
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")
        ]

    def __str__(self) -> str:
        return self.key


from kehu.core.bulk.models import BulkJob  # noqa: E402,F401
