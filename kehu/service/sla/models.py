"""SLA policies and the working calendars their clocks run on, and the breaches recorded."""

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned
from kehu.service.sla.calendar import Periods, WorkingCalendar


def hours_to_json(hours: dict[int, Periods]) -> dict[str, list[list[str]]]:
    return {
        str(day): [[start.strftime("%H:%M"), end.strftime("%H:%M") if end else "24:00"]
                   for start, end in periods]
        for day, periods in sorted(hours.items())
    }  # fmt: skip


def hours_from_json(value: dict[str, Any]) -> dict[int, Periods]:
    """The stored weekly hours ({"0": [["09:00", "12:00"], …]}) as the engine takes them;
    ValueError for anything else."""
    hours: dict[int, Periods] = {}
    for day, periods in (value or {}).items():
        parsed = []
        for start, end in periods:
            parsed.append(
                (
                    datetime.time.fromisoformat(start),
                    None if end == "24:00" else datetime.time.fromisoformat(end),
                )
            )
        hours[int(day)] = tuple(parsed)
    return hours


class BusinessCalendar(Versioned):
    """When a team works: weekly hours in its time zone, mainland China's public holidays and
    make-up working days (调休), and the admin's own days off and extra working days. The one
    without a team is everyone else's."""

    name = models.CharField(_("name"), max_length=100)
    team = models.OneToOneField(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="business_calendar",
        verbose_name=_("team"),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    #: {"0": [["09:00", "12:00"], ["13:00", "18:00"]], …}: Monday is 0 (the services fill
    #: in a Chinese office's week, `calendar.default_hours`, when none is given)
    hours = models.JSONField(_("working hours"), default=dict)
    china_holidays = models.BooleanField(
        _("mainland China's public holidays and make-up working days"), default=True
    )
    #: ISO dates off and extra working days, the admin's own
    holidays = models.JSONField(_("days off"), default=list, blank=True)
    workdays = models.JSONField(_("extra working days"), default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("working calendar")

    def __str__(self) -> str:
        return self.name

    def engine(self) -> WorkingCalendar:
        """The calendar as the business-hours engine counts on it."""
        return WorkingCalendar(
            time_zone=self.time_zone,
            hours=hours_from_json(self.hours),
            china_holidays=self.china_holidays,
            holidays=frozenset(datetime.date.fromisoformat(d) for d in self.holidays or []),
            workdays=frozenset(datetime.date.fromisoformat(d) for d in self.workdays or []),
        )


class SlaPolicy(Versioned):
    """Targets for tickets of one priority (or any) and one customer tier (a company tag, or
    any): the first response and the resolution, in working minutes. The first active policy
    in order that fits a ticket is its policy."""

    name = models.CharField(_("name"), max_length=100)
    priority = models.CharField(
        _("priority"),
        max_length=8,
        blank=True,
        default="",
        help_text=_("Empty: every priority."),
    )
    tier_tag = models.ForeignKey(
        "customers.Tag",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("customer tier (company tag)"),
        help_text=_("Empty: every customer."),
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    warn_minutes = models.PositiveIntegerField(
        _("warn this many minutes before"),
        default=30,
    )
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("at breach, reassign to"),
    )
    raise_priority = models.BooleanField(_("at breach, raise the priority"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaBreach(models.Model):
    """A target a ticket missed, recorded once when it was missed."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE = "first_response", _("First response")
        RESOLUTION = "resolution", _("Resolution")

    ticket = models.ForeignKey("service.Ticket", on_delete=models.CASCADE, related_name="breaches")
    kind = models.CharField(_("target"), max_length=14, choices=Kind.choices)
    policy = models.ForeignKey(
        SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="breaches"
    )
    due_at = models.DateTimeField(_("due"))
    breached_at = models.DateTimeField(_("breached"), default=timezone.now)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-breached_at", "-id"]
        verbose_name = _("SLA breach")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "kind"], name="one_breach_per_target")
        ]
        indexes = [models.Index(fields=["breached_at"], name="sla_breach_at_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"
