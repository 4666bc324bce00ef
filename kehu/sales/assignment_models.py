"""Assignment rules: who gets a new lead or deal, decided in order by what it says."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScoringRule(models.Model):
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


class AssignmentRule(models.Model):
    """When a new lead (or deal) matches every condition, it goes to one user, or in turn
    (round robin), or to whoever has the fewest open ones (least loaded) in a team."""

    class Entity(models.TextChoices):
        LEAD = "lead", _("Leads")
        DEAL = "deal", _("Deals")

    class Method(models.TextChoices):
        USER = "user", _("To one user")
        ROUND_ROBIN = "round_robin", _("In turn within a team")
        LEAST_LOADED = "least_loaded", _("To the least loaded in a team")

    name = models.CharField(_("name"), max_length=100)
    entity = models.CharField(_("for"), max_length=4, choices=Entity.choices, default="lead")
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    #: [{"field": "source", "op": "equals", "value": "web"}, …]; all must hold
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    method = models.CharField(_("assign"), max_length=12, choices=Method.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
    )
    #: who got the last one, for round robin
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entity", "position", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name
