"""REST routes for the user's own notifications (/api/v1/notifications)."""

import datetime

from ninja import Field, Query, Router, Schema

from kehu.activities.models import Notification
from kehu.activities.notifications import services as notifications
from kehu.core.api_support import (
    READ_ERRORS,
    WRITE_ERRORS,
    ApiRequest,
    Input,
    PageParams,
    RowId,
    page_of,
)

notifications_router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="e.g. `lead_assigned`, `deal_assigned`.")
    text: str
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int = Field(description="How many are unread (at most 100 counted).")


class NotificationFilters(PageParams):
    unread: bool = Field(False, description="Only the unread ones.")


class ReadIn(Input):
    ids: list[RowId] | None = Field(None, max_length=500, description="Default: all of them.")


class ReadOut(Schema):
    marked: int


def _out(item: Notification) -> dict:
    return {name: getattr(item, name) for name in NotificationOut.model_fields}


@notifications_router.get(
    "", response={200: NotificationPage, **READ_ERRORS}, summary="Your notifications"
)
def list_notifications(request: ApiRequest, filters: Query[NotificationFilters]):
    qs = Notification.objects.filter(user=request.auth)
    if filters.unread:
        qs = qs.filter(read_at__isnull=True)
    page = page_of(qs, "-created_at", filters)
    return {
        "items": [_out(n) for n in page.items],
        "next_cursor": page.next_cursor,
        "unread": notifications.unread_count(request.auth),
    }


@notifications_router.post(
    "/read", response={200: ReadOut, **WRITE_ERRORS}, summary="Mark notifications read"
)
def read_notifications(request: ApiRequest, payload: ReadIn):
    return {"marked": notifications.mark_read(request.auth, payload.ids)}
