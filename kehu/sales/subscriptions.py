"""What sales does when something happens elsewhere (see `core.events`)."""

from typing import Any

from kehu.activities.models import Activity
from kehu.core import events
from kehu.sales.deals.services import deal_document
from kehu.sales.models import Deal


@events.subscribe("company.updated")
def reindex_deals_of_renamed_company(
    event: str, record: Any, changes: dict[str, Any] | None = None, **payload: Any
) -> None:
    """A deal is found by its company's name: keep its search document in step (derived
    data that no user edits and no answer shows, so not a change of the deal: no version)."""
    if not changes or "name" not in changes:
        return
    for deal in Deal.all_objects.filter(company=record).select_related("company"):
        Deal.all_objects.filter(pk=deal.pk).update(search_text=deal_document(deal))


@events.subscribe("activity.created")
@events.subscribe("activity.updated")
@events.subscribe("activity.deleted")
@events.subscribe("activity.restored")
def rescore_lead_after_contact(
    event: str, record: Any, activity: Activity | None = None, **payload: Any
) -> None:
    """A call, meeting or email on a lead changes its "days without contact". The score is
    computed, never edited, so a new one is written without a version, like the daily rescore."""
    from kehu.sales.models import Lead
    from kehu.sales.scoring import services as scoring

    if (
        not isinstance(record, Lead)
        or activity is None
        or activity.kind not in scoring.CONTACT_KINDS
    ):
        return
    lead = Lead.all_objects.filter(pk=record.pk).select_related("product_interest").first()
    if lead is None:
        return
    scoring.score_lead(lead)
    Lead.all_objects.filter(pk=lead.pk).update(
        score=lead.score,
        score_reasons=lead.score_reasons,
        learned_score=lead.learned_score,
        learned_reasons=lead.learned_reasons,
    )
