"""Assignment rules: who gets a new lead or deal, decided in order by what it says."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned


class AssignmentRule(Versioned):
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
