"""Lead scoring: the rules that give a lead points, and the model learned from past leads."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned


class ScoringRule(Versioned):
    """Points a lead gets (or loses) while one condition on it holds, e.g. a company email
    +10, more than 30 days without contact −10."""

    name = models.CharField(_("name"), max_length=100)
    field = models.CharField(_("field"), max_length=60)
    op = models.CharField(_("test"), max_length=12)
    value = models.CharField(_("value"), max_length=200)
    points = models.SmallIntegerField(_("points"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-points", "id"]
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__gte=-100, points__lte=100), name="points_in_range"
            )
        ]

    def __str__(self) -> str:
        return self.name


class LearnedScoreModel(models.Model):
    """The last model trained on the instance's won and lost leads: a logistic regression
    kept as plain weights (no pickles), so scoring needs no scikit-learn at request time."""

    trained_at = models.DateTimeField(default=timezone.now)
    examples = models.PositiveIntegerField(default=0)
    won = models.PositiveIntegerField(default=0)
    #: mean ROC AUC of 5-fold cross-validation: 0.5 is guessing, 1.0 perfect
    auc = models.FloatField(null=True, blank=True)
    intercept = models.FloatField(default=0)
    weights = models.JSONField(default=dict)  # feature name -> weight

    class Meta:
        ordering = ["-trained_at", "-id"]

    def __str__(self) -> str:
        return f"{self.trained_at:%Y-%m-%d} ({self.examples})"
