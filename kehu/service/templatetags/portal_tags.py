from django import template

from kehu.service.portal.services import portal_url

register = template.Library()


@register.simple_tag
def portal_link(ticket) -> str:
    """The ticket's current portal link (made the first time it is asked for)."""
    return portal_url(ticket)
