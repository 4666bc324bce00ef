"""Why deals are lost: a list administrators keep, so lost deals can be counted by reason."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned
from kehu.sales.common import _localised

#: the key of the reason that asks for the user's own words ("Other")
OTHER = "other"


class LostReason(Versioned):
    """One reason a deal can be lost for. The built-in ones (seeded with a name in each
    language, `key` set) show in the reader's language; an administrator's own show as
    written. A reason is archived, never deleted: lost deals keep pointing at it."""

    key = models.CharField(max_length=40, blank=True, default="", editable=False)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("name (简体中文)"), max_length=100, blank=True, default="")
    position = models.PositiveIntegerField(_("position"), default=0)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="lost_reason_key_unique"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return _localised(self.name, self.name_zh)

    @property
    def is_other(self) -> bool:
        """ "Other" needs the user's own words; it cannot be archived."""
        return self.key == OTHER
