# mypy: disable-error-code="attr-defined, union-attr, index"
"""Settings → SLA: the policies (targets per priority and customer tier) and the working
calendars their clocks run on."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.accounts.models import TIME_ZONES, Team
from kehu.accounts.services import require_admin
from kehu.core.access import users_in_scope
from kehu.customers.models import Tag
from kehu.service.sla import services
from kehu.service.sla.calendar import WEEKDAY_NAMES
from kehu.service.sla.models import BusinessCalendar, SlaPolicy
from kehu.service.tickets.models import Ticket
from kehu.web.pages import setting_or_404, settings_page

WEEKDAYS = [gettext_lazy(name) for name in WEEKDAY_NAMES]


class PolicyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    priority = forms.ChoiceField(label=gettext_lazy("Priority"), required=False)
    tier_tag = forms.ChoiceField(label=gettext_lazy("Customer tier (company tag)"), required=False)
    first_response_minutes = forms.IntegerField(
        label=gettext_lazy("First response within (working minutes)"), min_value=1, max_value=525600
    )
    resolution_minutes = forms.IntegerField(
        label=gettext_lazy("Resolution within (working minutes)"), min_value=1, max_value=525600
    )
    warn_minutes = forms.IntegerField(
        label=gettext_lazy("Warn this many minutes before"),
        min_value=0,
        max_value=525600,
        initial=30,
    )
    escalate_to = forms.ChoiceField(label=gettext_lazy("At breach, reassign to"), required=False)
    raise_priority = forms.BooleanField(
        label=gettext_lazy("At breach, raise the priority"), required=False
    )
    position = forms.IntegerField(
        label=gettext_lazy("Position"), min_value=0, max_value=10000, initial=0,
        help_text=gettext_lazy("The first active policy in order that fits a ticket applies."),
    )  # fmt: skip
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = [("", _("Every priority"))] + list(
            Ticket.Priority.choices
        )
        self.fields["tier_tag"].choices = [("", _("Every customer"))] + [
            (str(t.pk), t.name) for t in Tag.objects.all()[:500]
        ]
        agents = [u for u in users_in_scope(user, "service", "edit")[:200]]
        self.fields["escalate_to"].choices = [("", "—")] + [(str(u.pk), str(u)) for u in agents]


class CalendarForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    team = forms.ChoiceField(label=gettext_lazy("Team"), required=False)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"))
    china_holidays = forms.BooleanField(
        label=gettext_lazy("Mainland China's public holidays and make-up working days (调休)"),
        required=False,
        initial=True,
    )
    holidays = forms.CharField(
        label=gettext_lazy("Your own days off"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Dates like 2026-12-24, one a line."),
    )  # fmt: skip
    workdays = forms.CharField(
        label=gettext_lazy("Your own extra working days"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Dates like 2026-12-26, one a line."),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", _("Everyone without a calendar of their own"))] + [
            (str(t.pk), t.name) for t in Team.objects.all()
        ]
        self.fields["time_zone"].choices = [(z, z) for z in TIME_ZONES]
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"day_{day}"] = forms.CharField(
                label=name, required=False, max_length=200,
                help_text=gettext_lazy("e.g. 09:00-12:00, 13:00-18:00; empty: not a working day"),
            )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        hours = {}
        for day in range(7):
            try:
                periods = services.parse_periods(cleaned.get(f"day_{day}", ""))
            except ValueError as exc:
                self.add_error(f"day_{day}", str(exc))
                continue
            if periods:
                hours[str(day)] = periods
        cleaned["hours"] = hours
        return cleaned


def _overview() -> dict:
    calendars = list(BusinessCalendar.objects.select_related("team"))
    warnings = sorted({y for c in calendars for y in services.holiday_warning(c.engine())})
    if not calendars:
        from kehu.service.sla.clock import calendar_for

        warnings = services.holiday_warning(calendar_for(None))
    return {
        "nav": "sla",
        "policies": list(SlaPolicy.objects.select_related("tier_tag", "escalate_to")),
        "calendars": calendars,
        "missing_years": warnings,
    }


@login_required
def policy_edit(request, pk=None):
    user = request.user
    require_admin(user)
    policy = setting_or_404(SlaPolicy, pk)
    initial = None
    if policy is not None:
        initial = {n: getattr(policy, n) for n in ("name", "priority", "first_response_minutes",
                                                   "resolution_minutes", "warn_minutes",
                                                   "raise_priority", "position", "active",
                                                   "version")}  # fmt: skip
        initial["tier_tag"] = str(policy.tier_tag_id or "")
        initial["escalate_to"] = str(policy.escalate_to_id or "")
    return settings_page(
        request,
        policy,
        PolicyForm(request.POST or None, initial=initial, user=user),
        save=lambda form, _rows: services.save_policy(
            user, policy, form.cleaned_data, form.cleaned_data.get("version")
        ),
        message=lambda saved: (
            _("“%(name)s” is saved; due times of open tickets follow.") % {"name": saved}
        ),
        template="service/sla.html",
        done="sla-settings",
        context={**_overview(), "policy": policy, "editing": "policy"},
    )


@login_required
def calendar_edit(request, pk=None):
    user = request.user
    require_admin(user)
    calendar = setting_or_404(BusinessCalendar, pk)
    initial = {"time_zone": "Asia/Shanghai"}
    if calendar is not None:
        initial = {n: getattr(calendar, n) for n in ("name", "time_zone", "china_holidays",
                                                     "version")}  # fmt: skip
        initial["team"] = str(calendar.team_id or "")
        initial["holidays"] = "\n".join(calendar.holidays or [])
        initial["workdays"] = "\n".join(calendar.workdays or [])
        for day, periods in (calendar.hours or {}).items():
            initial[f"day_{day}"] = ", ".join(f"{a}-{b}" for a, b in periods)
    else:
        for day in range(5):
            initial[f"day_{day}"] = "09:00-12:00, 13:00-18:00"
    return settings_page(
        request,
        calendar,
        CalendarForm(request.POST or None, initial=initial),
        save=lambda form, _rows: services.save_calendar(
            user, calendar, form.cleaned_data, form.cleaned_data.get("version")
        ),
        message=lambda saved: (
            _("“%(name)s” is saved; due times of open tickets follow.") % {"name": saved}
        ),
        template="service/sla.html",
        done="sla-settings",
        context={**_overview(), "calendar": calendar, "editing": "calendar"},
    )
