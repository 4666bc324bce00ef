"""Template filters for showing stored values the way people read them."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core.contact import display_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 phone shown national-style (international for foreign numbers)."""
    return display_phone(value or "")


@register.filter
def local_time(value, fmt: str = "%Y-%m-%d") -> str:
    """A stored moment in the user's time zone; a fast `date` for long lists (strftime format)."""
    return timezone.localtime(value).strftime(fmt) if value else ""


@register.filter
def custom_value(record, definition) -> str:
    """The display form of one custom field value of `record`."""
    value = (getattr(record, "custom", None) or {}).get(definition.key)
    return show_value(value, definition.type)


def show_value(value, kind: str = "") -> str:
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if kind == "phone":
        return display_phone(str(value))
    return str(value)


@register.filter
def audit_value(value, key: str = "") -> str:
    """An old/new value from an audit entry; phones national-style, empties as a dash."""
    if value is None or value == "":
        return "—"
    if key in ("phone",) or (
        isinstance(value, str) and value.startswith("+") and value[1:].isdigit()
    ):
        return display_phone(value)
    return show_value(value)
