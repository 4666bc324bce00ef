"""What activities do when something happens elsewhere (see `core.events`)."""

from typing import Any

from kehu.activities import services
from kehu.core import events


@events.subscribe("lead.converted")
def lead_history_follows_to_the_company(
    event: str, record: Any, actor: Any = None, **payload: Any
) -> None:
    """A converted lead's calls and meetings show on the company it became (roll-up), as a
    change of each activity through its service (version, audit entry, event)."""
    services.roll_up_to_company(actor, record)
