"""A ticket's satisfaction survey on its page (`{% ticket_surveys ticket as surveys %}`)."""

from django import template

register = template.Library()


@register.simple_tag
def ticket_surveys(ticket) -> list:
    """The CSAT invitations of a ticket the page shows already (one a solving), latest first."""
    from kehu.service.surveys.models import SurveyResponse

    return list(SurveyResponse.objects.filter(ticket=ticket).order_by("-sent_at", "-id")[:5])
