# mypy: disable-error-code="arg-type"
"""REST route for a record's timeline (/api/v1/timeline/{record_type}/{record_id}): the
activities, emails and field changes the record's page shows, a page at a time."""

import datetime
from typing import Literal

from django.db.models import prefetch_related_objects
from ninja import Field, Query, Router, Schema

from kehu.activities import timeline
from kehu.activities.api.activities import QUERIES, ActivityOut, RecordType, activity_out, record_of
from kehu.core.api_support import PATH_ID, READ_ERRORS, ApiRequest, QueryParams
from kehu.core.pagination import BadCursor

timeline_router = Router(tags=["activities"])


class ChangeOut(Schema):
    action: str
    actor_id: int | None
    changes: dict[str, list] = Field(description="{field: [old, new]} as shown on the page.")


class TicketItemOut(Schema):
    ticket_id: int
    reference: str
    subject: str
    status: str
    event: Literal["opened", "reply"]
    body: str | None = Field(None, description="The reply, in Markdown.")
    from_customer: bool | None = None


class TimelineItemOut(Schema):
    type: Literal["activity", "change", "ticket"]
    at: datetime.datetime
    activity: ActivityOut | None = None
    change: ChangeOut | None = None
    ticket: TicketItemOut | None = Field(
        None, description="A person's or company's ticket opened, or a public reply in it."
    )


class TimelinePage(Schema):
    items: list[TimelineItemOut]
    next_cursor: str | None


class TimelineParams(QueryParams):
    kind: list[Literal["task", "call", "meeting", "note", "email", "changes", "tickets"]] = Field(
        [],
        description="Only these kinds (repeat the parameter); `changes`: the field history; "
        "`tickets`: a customer's tickets and the replies in them.",
    )
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(timeline.PAGE_SIZE, ge=1, le=100)


@timeline_router.get(
    "/{record_type}/{record_id}",
    response={200: TimelinePage, **READ_ERRORS},
    summary="A record's timeline",
    description=(
        "Activities, emails and field changes of a person, company, lead or deal, newest "
        "first; a company's also has its people's, deals' and leads' activities."
    ),
    operation_id="activities_record_timeline",
)
def record_timeline(
    request: ApiRequest,
    params: Query[TimelineParams],
    record_type: RecordType,
    record_id: int = PATH_ID,
):
    user = request.auth
    record = record_of(user, record_type, record_id)
    if params.cursor and timeline.decode(params.cursor) is None:
        raise BadCursor
    page = timeline.page(record, params.cursor, size=params.limit, user=user, kinds=params.kind)
    activities = [i.obj for i in page.items if i.kind == "activity"]
    prefetch_related_objects(activities, "content_type", *QUERIES.prefetch_related)
    items = []
    for item in page.items:
        if item.kind == "activity":
            items.append({"type": "activity", "at": item.at, "activity": activity_out(item.obj)})
        elif item.kind == "ticket":
            items.append({"type": "ticket", "at": item.at, "ticket": ticket_item(item.obj)})
        else:
            entry = item.obj
            items.append(
                {
                    "type": "change",
                    "at": item.at,
                    "change": {
                        "action": entry.action,
                        "actor_id": entry.actor_id,
                        "changes": {k: [old, new] for _label, k, old, new in item.changes},
                    },
                }
            )
    return {"items": items, "next_cursor": page.next_cursor}


def ticket_item(obj) -> dict:
    """A ticket opened (a Ticket) or a public reply in one (a TicketMessage)."""
    ticket = getattr(obj, "ticket", obj)
    reply = obj is not ticket
    return {
        "ticket_id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "event": "reply" if reply else "opened",
        "body": obj.body if reply else None,
        "from_customer": obj.from_customer if reply else None,
    }
