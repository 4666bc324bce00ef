"""Ticket categories: the administrators' list, two levels deep (e.g. Billing → Invoices)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned


class TicketCategory(Versioned):
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("name (简体中文)"), max_length=100, blank=True, default="")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name", "id"]
        verbose_name = _("ticket category")
        verbose_name_plural = _("ticket categories")
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="category_not_own_parent"
            )
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def display_name(self) -> str:
        from kehu.sales.common import _localised

        return _localised(self.name, self.name_zh)

    @property
    def path(self) -> str:
        """ "Billing › Invoices": the category with its parent, in the reader's language."""
        if self.parent_id and self.parent is not None:
            return f"{self.parent.display_name} › {self.display_name}"
        return self.display_name
