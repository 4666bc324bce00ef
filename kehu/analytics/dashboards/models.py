"""A dashboard layout: the ordered widgets of one user's home page, or the layout a manager
published to their team (the members' default until they change their own)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DashboardLayout(models.Model):
    """Exactly one of `user` (their own layout) or `team` (published by `published_by`).
    `widgets` is the ordered list of widget ids: a registry key ("my_pipeline") or a pinned
    report ("report:12"); ids no longer known are skipped when read."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    team = models.OneToOneField(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    widgets = models.JSONField(_("widgets"), default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dashboard layout")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(team__isnull=True))
                | (Q(user__isnull=True) & Q(team__isnull=False)),
                name="dashboard_layout_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id or ''}{self.team_id or ''}: {', '.join(self.widgets)}"
