# mypy: disable-error-code="valid-type"
"""REST routes for feedback (/api/v1/feedback): anyone sends it and reads their own;
administrators read everyone's and answer (status, reply) with `If-Match`."""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kehu.accounts.services import require_admin
from kehu.core.api_support import (
    CREATE_ERRORS,
    IF_MATCH,
    PATCH_ERRORS,
    PATH_ID,
    READ_ERRORS,
    WITH_ETAG,
    ApiRequest,
    Input,
    PageParams,
    expected_version,
    page_of,
    set_etag,
)
from kehu.learning.feedback import services
from kehu.learning.models import Feedback

feedback_router = Router(tags=["feedback"])

FeedbackStatus = Literal[tuple(Feedback.Status.values)]


class FeedbackOut(Schema):
    id: int
    author_id: int
    author: str
    what: str
    where: str
    status: str = Field(description="new, planned, done or wont_do.")
    reply: str
    replied_by_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')


class FeedbackPage(Schema):
    items: list[FeedbackOut]
    next_cursor: str | None


class FeedbackFilters(PageParams):
    status: FeedbackStatus | None = Field(None, description="Only items with this status.")


class FeedbackCreate(Input):
    what: str = Field(max_length=services.WHAT_MAX, description="What hinders you.")
    where: str = Field(
        "", max_length=services.WHERE_MAX, description="The page it is about, e.g. /people/."
    )


class FeedbackPatch(Input):
    status: FeedbackStatus | None = None
    reply: str | None = Field(None, max_length=services.REPLY_MAX)


def feedback_out(item: Feedback) -> dict:
    return {
        "id": item.pk,
        "author_id": item.author_id,
        "author": str(item.author),
        "what": item.what,
        "where": item.where,
        "status": item.status,
        "reply": item.reply,
        "replied_by_id": item.replied_by_id,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "version": item.version,
    }


def _visible(user, pk: int) -> Feedback:
    item = Feedback.objects.visible_to(user).select_related("author").filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


@feedback_router.get(
    "",
    response={200: FeedbackPage, **READ_ERRORS},
    summary="List feedback (your own; administrators: everyone's)",
)
def list_feedback(request: ApiRequest, filters: Query[FeedbackFilters]):
    qs = Feedback.objects.visible_to(request.auth).select_related("author")
    if filters.status:
        qs = qs.filter(status=filters.status)
    page = page_of(qs, "-id", filters)
    return {"items": [feedback_out(f) for f in page.items], "next_cursor": page.next_cursor}


@feedback_router.post("", response={201: FeedbackOut, **CREATE_ERRORS}, summary="Send feedback")
def create_feedback(request: ApiRequest, response: HttpResponse, payload: FeedbackCreate):
    item = services.create_feedback(request.auth, payload.model_dump())
    set_etag(response, item.version)
    return Status(201, feedback_out(item))


@feedback_router.get(
    "/{feedback_id}",
    response={200: FeedbackOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read a feedback item",
)
def get_feedback(request: ApiRequest, response: HttpResponse, feedback_id: int = PATH_ID):
    item = _visible(request.auth, feedback_id)
    set_etag(response, item.version)
    return feedback_out(item)


@feedback_router.patch(
    "/{feedback_id}",
    response={200: FeedbackOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Answer a feedback item: status and reply (administrators)",
)
def update_feedback(
    request: ApiRequest,
    response: HttpResponse,
    payload: FeedbackPatch,
    feedback_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    """Send `If-Match` with the ETag you read: if someone changed the item since, the answer
    is 412 and nothing is changed."""
    item = _visible(request.auth, feedback_id)
    require_admin(request.auth)
    changes = payload.model_dump(exclude_unset=True)
    nulls = [n for n in ("status", "reply") if n in changes and changes[n] is None]
    if nulls:
        raise ValidationError({name: [_("This field may not be null.")] for name in nulls})
    version = expected_version(if_match, item.version)
    item = services.update_feedback(request.auth, item, changes, version)
    set_etag(response, item.version)
    return feedback_out(item)
