"""A goal: a target on one catalogue metric, for one subject (a person, a team or the whole
company) over one period. One row per period: history is the goals of earlier periods."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned

LIVE = Q(deleted_at__isnull=True)


class LiveGoalManager(models.Manager["Goal"]):
    """Hides goals in the recycle bin."""

    def get_queryset(self) -> models.QuerySet[Goal]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Goal(Versioned):
    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")
        CUSTOM = "custom", _("Custom")

    #: a key of the metric catalogue (kehu.analytics.metrics), checked by the service
    metric = models.CharField(_("metric"), max_length=60)
    #: the subject: a person, a team, or neither (the whole company)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team"),
    )
    period = models.CharField(_("period"), max_length=7, choices=Period.choices)
    start = models.DateField(_("starts"))
    end = models.DateField(_("ends"))  # included
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LiveGoalManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("goal")
        ordering = ["-start", "metric", "id"]
        indexes = [models.Index(fields=["start", "end"], name="goal_period_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=True) | Q(team__isnull=True), name="goal_one_subject"
            ),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="goal_end_after_start"),
            models.CheckConstraint(condition=Q(target__gte=0), name="goal_target_not_negative"),
            models.UniqueConstraint(
                fields=["metric", "period", "start", "end", "user"],
                condition=LIVE & Q(user__isnull=False),
                name="one_goal_per_user_metric_period",
            ),
            models.UniqueConstraint(
                fields=["metric", "period", "start", "end", "team"],
                condition=LIVE & Q(team__isnull=False),
                name="one_goal_per_team_metric_period",
            ),
            models.UniqueConstraint(
                fields=["metric", "period", "start", "end"],
                condition=LIVE & Q(user__isnull=True, team__isnull=True),
                name="one_company_goal_per_metric_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.start}–{self.end}: {self.target}"

    @property
    def subject_kind(self) -> str:
        """ "user", "team" or "company"."""
        if self.user_id:
            return "user"
        return "team" if self.team_id else "company"
