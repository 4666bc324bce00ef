"""Template filters for showing stored values the way people read them."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kehu.core import numbers
from kehu.core.contact import display_phone, map_search_url

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 phone shown national-style (international for foreign numbers)."""
    return display_phone(value or "")


@register.filter
def map_url(address: str, city: str = "") -> str:
    """A map search for an address in the reader's language's map (`core.contact.MAP_SEARCH`)."""
    return map_search_url(address, city, get_language() or "")


@register.filter
def log_call_url(record) -> str:
    """The form that logs a call on this person, company or lead: where the offer shown after
    tapping its phone number leads (`data-log-call`, kehu.js)."""
    return reverse("activity-log", args=[record._meta.model_name, record.pk, "call"])


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


@register.filter
def may_read(user, module: str) -> bool:
    """Whether the user's role lets them read `module` (for menus)."""
    from kehu.core.visibility import can

    return can(user, module, "read")


@register.filter
def may_create(user, module: str) -> bool:
    """Whether the user's role lets them create in `module` (for menus)."""
    from kehu.core.visibility import can

    return can(user, module, "create")


@register.filter
def may_see_roi(user) -> bool:
    """Whether the ROI page is in `user`'s menu (administrators and managers)."""
    from kehu.analytics.roi.services import may_see

    return bool(user.is_authenticated and may_see(user))


@register.filter
def may_send_email(user) -> bool:
    """Whether the user's role lets them send email from Kehu (the Send email and Reply
    buttons)."""
    from kehu.mail.sending import may_send

    return may_send(user)


@register.filter
def money(value) -> str:
    """An amount with thousands separators and cents: 1234567.5 → 1,234,567.50."""
    return numbers.money(value)


@register.filter
def quantity(value) -> str:
    """A quantity without trailing zeros: 2.000 → 2, 1.500 → 1.5."""
    return numbers.plain(value)


@register.filter
def duration(seconds) -> str:
    """A length of time the way people say it: 3 d 4 h, 5 h 10 min, 12 min."""
    seconds = int(seconds or 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.filter
def markdown(text: str) -> str:
    """Markdown rendered to HTML and then sanitised (no scripts, styles or event handlers)."""
    from kehu.activities.rendering import render_markdown

    return render_markdown(text)


@register.simple_tag
def select_options(optgroups: list[tuple]) -> SafeString:
    """A select's options (and option groups) as Django's `select.html` and
    `select_option.html` write them, built in Python: through the template engine each option
    cost a loop step and two includes, and the time-zone select has 600 (60 ms of a profile
    page). Used by the override `django/forms/widgets/select.html`."""
    parts = []
    for group_name, options, _index in optgroups:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            attrs = "".join(
                f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
                for name, value in option["attrs"].items()
                if value is not False
            )
            value = conditional_escape(str(option["value"]))
            label = conditional_escape(option["label"])
            parts.append(f'\n  <option value="{value}"{attrs}>{label}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


#: the sidebar's links as rendered, per (language, URL prefix, page, menu variant)
_SIDEBAR_LINKS: dict[tuple, SafeString] = {}
_SIDEBAR_VARIANTS_KEPT = 1000


@register.simple_tag(takes_context=True)
def sidebar_links(context) -> SafeString:
    """The sidebar's links (web/_sidebar_links.html). They depend only on the language, the
    page (its `nav`) and which menus the user's role shows, so each variant is rendered once
    per process: 40 links and their translations are 10–15 % of a list page's CPU otherwise."""
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import get_script_prefix

    user = context["user"]
    menu = {
        "admin": bool(user.is_admin),
        "read_sales": may_read(user, "sales"),
        "read_service": may_read(user, "service"),
        "create_customers": may_create(user, "customers"),
        "roi": may_see_roi(user),
    }
    nav = str(context.get("nav") or "")
    key = (get_language(), get_script_prefix(), nav, *menu.values())
    found = _SIDEBAR_LINKS.get(key)
    if found is None or settings.DEBUG:  # DEBUG: a template being edited shows at once
        found = mark_safe(render_to_string("web/_sidebar_links.html", {"nav": nav, "menu": menu}))
        if len(_SIDEBAR_LINKS) >= _SIDEBAR_VARIANTS_KEPT:
            _SIDEBAR_LINKS.clear()
        _SIDEBAR_LINKS[key] = found
    return found


@register.filter
def option_tags(choices) -> SafeString:
    """The `<option>`s of `choices`, built in one pass: (value, label) or (value, label,
    selected) items, or plain strings (a datalist's values). A template loop costs 15–20 µs an
    option, and a list page's filter and bulk bar offer hundreds (colleagues, tags, companies)."""
    out = []
    for item in choices:
        if isinstance(item, str):
            out.append(f'<option value="{conditional_escape(item)}">')
            continue
        selected = " selected" if len(item) > 2 and item[2] else ""
        value, label = conditional_escape(item[0]), conditional_escape(item[1])
        out.append(f'<option value="{value}"{selected}>{label}</option>')
    return mark_safe("".join(out))  # every value escaped above
