"""The follow-up page ("My pipeline"): deals and leads whose next step is overdue or due soon,
stale deals, and open deals without a next step, for one owner (the user or one in their
scope)."""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from kehu.sales.models import Deal, Lead, Pipeline

SHOWN = 50  # rows per section; the list pages hold the rest
SOON_DAYS = 7
OPEN_LEADS = ["new", "contacted", "qualified"]


@dataclass
class Section:
    key: str
    rows: list
    more: bool


def _section(key: str, qs) -> Section:
    rows = list(qs[: SHOWN + 1])
    return Section(key, rows[:SHOWN], len(rows) > SHOWN)


def follow_ups(user, owner_id: int) -> list[Section]:
    """Each section reads one index range of the owner's open records (no count, no scan)."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=SOON_DAYS)
    deals = (
        Deal.objects.visible_to(user)
        .filter(owner_id=owner_id, closed_at__isnull=True)
        .select_related("stage", "pipeline", "company")
    )
    leads = Lead.objects.visible_to(user).filter(owner_id=owner_id, status__in=OPEN_LEADS)
    now = timezone.now()
    stale = Q(pk__in=[])
    for pipeline in Pipeline.objects.all():
        cutoff = now - datetime.timedelta(days=pipeline.stale_days)
        stale |= Q(pipeline=pipeline, updated_at__lt=cutoff)
    by_due = ("next_step_due", "id")
    return [
        _section("overdue_deals", deals.filter(next_step_due__lt=today).order_by(*by_due)),
        _section("overdue_leads", leads.filter(next_step_due__lt=today).order_by(*by_due)),
        _section(
            "soon_deals",
            deals.filter(next_step_due__gte=today, next_step_due__lte=soon).order_by(*by_due),
        ),
        _section(
            "soon_leads",
            leads.filter(next_step_due__gte=today, next_step_due__lte=soon).order_by(*by_due),
        ),
        _section("stale_deals", deals.filter(stale).order_by("updated_at", "id")),
        _section(
            "no_next_step",
            deals.filter(next_step="", next_step_due__isnull=True).order_by("-updated_at", "-id"),
        ),
    ]
