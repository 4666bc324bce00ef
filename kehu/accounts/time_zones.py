"""The time-zone picker: every IANA zone name, with the zones most Kehu users live in first and
named in words (中国标准时间 rather than only Asia/Shanghai).

The field is a plain <select>, so it works without JavaScript; kehu.js adds a type-ahead box
that narrows the options as one types (a zone name, a city, or the Chinese label).
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.accounts.models import TIME_ZONES

#: the zones offered first, named in the reader's language (the IANA name follows the label)
COMMON: dict[str, object] = {
    "Asia/Shanghai": _("China Standard Time (Beijing, Shanghai)"),
    "Asia/Hong_Kong": _("Hong Kong Time"),
    "Asia/Taipei": _("Taipei Time"),
    "Asia/Singapore": _("Singapore Time"),
    "Asia/Tokyo": _("Japan Standard Time"),
    "Asia/Seoul": _("Korea Standard Time"),
    "Europe/London": _("UK Time (London)"),
    "Europe/Berlin": _("Central European Time (Berlin)"),
    "America/New_York": _("US Eastern Time (New York)"),
    "America/Los_Angeles": _("US Pacific Time (Los Angeles)"),
    "Australia/Sydney": _("Australian Eastern Time (Sydney)"),
    "UTC": _("Coordinated Universal Time (UTC)"),
}


class ZoneLabel:
    """ "中国标准时间（北京、上海） · Asia/Shanghai", translated when shown."""

    def __init__(self, zone: str) -> None:
        self.zone = zone

    def __str__(self) -> str:
        return f"{COMMON[self.zone]} · {self.zone}"


def time_zone_choices() -> list:
    common = [(zone, ZoneLabel(zone)) for zone in COMMON if zone in TIME_ZONES]
    rest = [(zone, zone) for zone in TIME_ZONES if zone not in COMMON]
    return [
        ("", _("Company default")),
        (_("Common time zones"), common),
        (_("All time zones"), rest),
    ]


def time_zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        choices=time_zone_choices,
        widget=forms.Select(
            attrs={
                "data-zone-picker": "",
                "data-filter-label": _("Find a time zone (city or name)"),
            }
        ),
        error_messages={"invalid_choice": _("“%(value)s” is not a time zone Kehu knows.")},
        help_text=_("Dates and times are shown in this time zone."),
    )


def name_field() -> forms.CharField:
    """One field for a person's whole name, written as they write it (王小明, Emily Carter):
    Chinese names are not "first + last" (decision: one name field)."""
    return forms.CharField(label=pgettext_lazy("person", "Name"), max_length=150, required=False)
