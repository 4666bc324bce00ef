"""Macros: a canned reply with placeholders that can also set the ticket's status, priority,
tags and assignee, applied in one click."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned


class Macro(Versioned):
    name = models.CharField(_("name"), max_length=100, unique=True)
    #: the reply, Markdown with placeholders ({{ person.name }}, {{ ticket.reference }} …);
    #: empty: the macro only changes the ticket
    body = models.TextField(_("reply"), max_length=10_000, blank=True, default="")
    set_status = models.CharField(_("then set the status to"), max_length=8, blank=True, default="")
    set_priority = models.CharField(_("set the priority to"), max_length=8, blank=True, default="")
    add_tags = models.JSONField(_("add the tags"), default=list, blank=True)
    #: "" leaves the assignee, "me" gives the ticket to whoever applies the macro, "user" to
    #: `assignee`
    assign = models.CharField(_("assign"), max_length=4, blank=True, default="")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assign to"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("macro")

    def __str__(self) -> str:
        return self.name
