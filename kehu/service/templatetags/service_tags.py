"""How a ticket's SLA clock reads on a page: the time left, or how late it is."""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()
#: under this much time left, the clock shows as a warning
SOON = datetime.timedelta(hours=1)


def span(delta: datetime.timedelta) -> str:
    """ "2d 3h", "3h 20m", "12m": a length of time, to the minute."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return _("%(h)sh %(m)sm") % {"h": hours, "m": minutes}
    return _("%(m)sm") % {"m": minutes}


@register.simple_tag
def sla_clock(ticket, now=None) -> SafeString | str:
    """A badge with the time left until the ticket's next due time ("late" once passed);
    nothing when no clock runs."""
    due = ticket.sla_due_at
    if due is None:
        return ""
    left = due - (now or timezone.now())
    if left.total_seconds() < 0:
        state, text = "late", _("%(span)s late") % {"span": span(-left)}
    else:
        state = "soon" if left <= SOON else "ok"
        text = _("%(span)s left") % {"span": span(left)}
    local = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    return format_html(
        '<span class="badge sla-{}" title="{}">{}</span>',
        state,
        _("Due %(when)s") % {"when": local},
        text,
    )
