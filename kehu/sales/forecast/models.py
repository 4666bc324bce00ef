"""Sales targets: what a person or a team should win in a month or a quarter. They are goals
(kehu.analytics.goals) on the metric `revenue_won`: one source of truth (decision 0036)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.analytics.goals.models import Goal

TARGET_METRIC = "revenue_won"
TARGET_PERIODS = ("month", "quarter")


class SalesTargetManager(models.Manager["SalesTarget"]):
    def get_queryset(self) -> models.QuerySet["SalesTarget"]:
        return (
            super()
            .get_queryset()
            .filter(deleted_at__isnull=True, metric=TARGET_METRIC, period__in=TARGET_PERIODS)
            .exclude(user__isnull=True, team__isnull=True)
        )


class SalesTarget(Goal):
    """The goals the forecast measures won amounts against: revenue won by a person or a team
    in a month or a quarter, in the company currency."""

    objects = SalesTargetManager()  # type: ignore[misc, assignment]

    class Meta:
        proxy = True
        verbose_name = _("sales target")

    @property
    def amount(self) -> Decimal:  # the name the forecast has always used
        return self.target

    def __str__(self) -> str:
        return f"{self.period} {self.start}: {self.target}"
