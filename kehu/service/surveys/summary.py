"""A customer's satisfaction on their page: the average CSAT of their answers and their last
NPS score (registered as a customer section in service/registrations.py)."""

from typing import Any

from django.db.models import Avg, Count

from kehu.core import visibility


def customer_satisfaction(user: Any, record: Any) -> dict[str, Any]:
    """A person's (or a company's people's) answers, as far as `user` may see them."""
    if not visibility.can(user, "service", "read"):
        return {}
    from kehu.customers.models import Company
    from kehu.service.surveys.models import SurveyResponse

    answers = SurveyResponse.objects.visible_to(user).filter(answered_at__isnull=False)
    if isinstance(record, Company):
        answers = answers.filter(person__company=record)
    else:
        answers = answers.filter(person=record)
    csat = answers.filter(kind="csat").aggregate(average=Avg("score"), count=Count("id"))
    last_nps = answers.filter(kind="nps").order_by("-answered_at", "-id").first()
    if not csat["count"] and last_nps is None:
        return {"customer_satisfaction": None}
    return {"customer_satisfaction": {"csat": csat, "last_nps": last_nps}}
