"""What the CRM costs, as the administrator enters it for the ROI page (decision 0039): one
row for the company, kept with its version and audit trail like any setting."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class RoiInputs(Versioned):
    hosting_monthly = models.DecimalField(_("hosting per month"), **MONEY, default=0)
    staff_hours_monthly = models.DecimalField(
        _("staff hours per month"), max_digits=10, decimal_places=2, default=0
    )
    hourly_rate = models.DecimalField(_("cost of an hour of staff time"), **MONEY, default=0)
    training_monthly = models.DecimalField(_("training per month"), **MONEY, default=0)
    #: None: the gain is the whole difference in revenue won; else that share of it
    gross_margin_percent = models.DecimalField(
        _("gross margin (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ROI inputs")
        verbose_name_plural = _("ROI inputs")

    def __str__(self) -> str:
        return str(_("ROI inputs"))
