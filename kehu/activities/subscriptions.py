"""What activities do when something happens elsewhere (see `core.events`)."""

from typing import Any

from django.contrib.contenttypes.models import ContentType

from kehu.activities.models import Activity
from kehu.core import events


@events.subscribe("lead.converted")
def lead_history_follows_to_the_company(event: str, record: Any, **payload: Any) -> None:
    """A converted lead's calls and meetings show on the company it became (roll-up)."""
    if record.company_id:
        Activity.all_objects.filter(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            company__isnull=True,
        ).update(company_id=record.company_id)
