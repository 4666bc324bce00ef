"""What sales does when something happens elsewhere (see `core.events`)."""

from kehu.core import events
from kehu.sales.models import Deal
from kehu.sales.services import deal_document


@events.subscribe("company.updated")
def reindex_deals_of_renamed_company(event, record, changes=None, **payload) -> None:
    """A deal is found by its company's name: keep its search document in step."""
    if not changes or "name" not in changes:
        return
    for deal in Deal.all_objects.filter(company=record).select_related("company"):
        Deal.all_objects.filter(pk=deal.pk).update(search_text=deal_document(deal))
