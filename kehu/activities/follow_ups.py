"""The next step after a call or a meeting: a follow-up task on the same record, due tomorrow,
in three days, next week (Monday) or on a chosen day, at 09:00 in the user's time zone. The
log form offers it, and so does the panel right after a call or meeting is saved; either way
the task is made by `services.log_activity`, like any other (docs/record-pages.md)."""

import datetime
import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.activities import services
from kehu.activities.models import SUBJECT_MAX_LENGTH, Activity

PREFIX = "follow_up"
#: the hour of the day a follow-up is due, in the user's time zone
DUE_HOUR = 9
PRESET_LABELS = {
    "tomorrow": gettext_lazy("Tomorrow"),
    "in_3_days": gettext_lazy("In 3 days"),
    "next_week": gettext_lazy("Next week"),
}
ON_A_DAY = "date"


def user_zone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo("UTC")


def today_for(user, now: datetime.datetime | None = None) -> datetime.date:
    """The date it is now where the user is (not where the server is)."""
    return (now or timezone.now()).astimezone(user_zone(user)).date()


def preset_day(preset: str, today: datetime.date) -> datetime.date:
    """The day a preset names, counted from `today`; next week is the coming Monday."""
    if preset == "tomorrow":
        return today + datetime.timedelta(days=1)
    if preset == "in_3_days":
        return today + datetime.timedelta(days=3)
    if preset == "next_week":
        return today + datetime.timedelta(days=7 - today.weekday())
    raise ValueError(preset)


def due_at(user, day: datetime.date) -> datetime.datetime:
    """09:00 on `day` in the user's time zone (stored in UTC)."""
    local = datetime.datetime.combine(day, datetime.time(DUE_HOUR), tzinfo=user_zone(user))
    return local.astimezone(datetime.UTC)


def presets(user, now: datetime.datetime | None = None) -> list[tuple[str, str, datetime.date]]:
    """(key, label, day) of each preset, for the buttons."""
    today = today_for(user, now)
    return [(key, str(label), preset_day(key, today)) for key, label in PRESET_LABELS.items()]


def default_subject(record) -> str:
    return _("Follow up with %(name)s") % {"name": record}


class FollowUpForm(forms.Form):
    """When the follow-up is due (a preset or a day) and what it says. Empty `when`: none."""

    when = forms.ChoiceField(label=gettext_lazy("Follow-up"), required=False)
    day = forms.DateField(
        label=gettext_lazy("On"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    subject = forms.CharField(
        label=gettext_lazy("Follow-up task"), max_length=SUBJECT_MAX_LENGTH, required=False
    )

    def __init__(self, *args, user, record, **kwargs):
        kwargs.setdefault("prefix", PREFIX)
        kwargs.setdefault("initial", {}).setdefault("subject", default_subject(record))
        super().__init__(*args, **kwargs)
        self.user = user
        self.presets = presets(user)
        when = self.fields["when"]
        assert isinstance(when, forms.ChoiceField)
        when.choices = [
            ("", _("No follow-up")),
            *[(key, label) for key, label, _day in self.presets],
            (ON_A_DAY, _("On a day")),
        ]

    def clean(self) -> dict:
        data: dict = super().clean() or {}
        when = data.get("when")
        if not when:
            return data
        today = today_for(self.user)
        if when == ON_A_DAY:
            day = data.get("day")
            if day is None:
                self.add_error("day", _("Choose the day of the follow-up."))
            elif day < today:
                self.add_error("day", _("Choose today or a later day."))
            else:
                data["due_day"] = day
        else:
            data["due_day"] = preset_day(when, today)
        if not (data.get("subject") or "").strip():
            self.add_error("subject", _("Say what the follow-up is."))
        return data

    @property
    def wanted(self) -> bool:
        return bool(self.cleaned_data.get("when")) and "due_day" in self.cleaned_data

    def create(self, actor, record) -> Activity:
        """The follow-up task on `record`, through the activities service."""
        return services.log_activity(
            actor,
            record,
            Activity.Kind.TASK,
            {
                "subject": self.cleaned_data["subject"].strip(),
                "due_at": due_at(self.user, self.cleaned_data["due_day"]),
            },
        )


def said(task: Activity) -> str:
    when = timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M") if task.due_at else ""
    return _("Follow-up “%(name)s” is due %(when)s.") % {"name": task, "when": when}
