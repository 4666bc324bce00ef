"""Saved views and chosen columns: per user, per list."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned

LISTS = [
    ("person", _("People")),
    ("company", _("Companies")),
    ("lead", _("Leads")),
    ("deal", _("Deals")),
    ("quote", _("Quotes")),
    ("order", _("Orders")),
    ("activity", _("Activities")),
]


class SavedView(Versioned):
    """A list as someone saved it. `team` set: shared with that team (read-only for them)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    list_key = models.CharField(_("list"), max_length=10, choices=LISTS)
    name = models.CharField(_("name"), max_length=100)
    condition = models.JSONField(_("condition"), default=dict, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    sort = models.CharField(_("sort"), max_length=60, blank=True, default="")
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("shared with team"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "core"
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        indexes = [
            models.Index(fields=["owner", "list_key"], name="saved_view_owner_idx"),
            models.Index(fields=["team", "list_key"], name="saved_view_team_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class ListColumns(models.Model):
    """The columns one user chose for one list, in order (none saved: the list's default)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_key = models.CharField(max_length=10, choices=LISTS)
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "core"
        constraints = [
            models.UniqueConstraint(fields=["user", "list_key"], name="list_columns_one_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.list_key}: {', '.join(self.columns)}"
