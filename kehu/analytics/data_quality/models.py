"""One row per owner: how many of their people lack contact data or a company (decision 0040)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeopleQuality(models.Model):
    """The counts over one owner's live (not binned) people, as `rollup.rebuild` last found them.
    People are visible by owner, so a viewer's figures are the sum of the rows of the owners
    they may see (`visibility.filter_visible` reads `module` like it does on a record)."""

    module = "customers"

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("owner"),
    )
    people = models.PositiveIntegerField(_("people"), default=0)
    without_contact = models.PositiveIntegerField(_("without phone and email"), default=0)
    without_company = models.PositiveIntegerField(_("without a company"), default=0)
    counted_at = models.DateTimeField(_("counted"), default=timezone.now)

    class Meta:
        verbose_name = _("people data quality")
        verbose_name_plural = _("people data quality")

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.people}"
