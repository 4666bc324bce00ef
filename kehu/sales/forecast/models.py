"""Sales targets: what a person or a team should win in a month or a quarter."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SalesTarget(models.Model):
    """What a person or a team should win in a month or a quarter, in the company currency."""

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    period = models.CharField(_("period"), max_length=7, choices=Period.choices)
    start = models.DateField(_("starts"))  # the first day of the month or quarter
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    amount = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sales target")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True)
                | Q(user__isnull=True, team__isnull=False),
                name="target_for_a_user_or_a_team",
            ),
            models.UniqueConstraint(
                fields=["period", "start", "user"],
                condition=Q(user__isnull=False),
                name="one_target_per_user_and_period",
            ),
            models.UniqueConstraint(
                fields=["period", "start", "team"],
                condition=Q(team__isnull=False),
                name="one_target_per_team_and_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start}: {self.amount}"
