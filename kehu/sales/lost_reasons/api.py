"""REST routes for lost reasons (/api/v1/lost-reasons): everyone in sales reads the list a deal's
`lost_reason_id` comes from; administrators add, rename, reorder and archive reasons. Writes go
through `sales.lost_reasons.services`."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from kehu.accounts.services import require_admin
from kehu.core import visibility
from kehu.core.api_support import (
    CREATE_ERRORS,
    IF_MATCH,
    PATCH_ERRORS,
    PATH_ID,
    READ_ERRORS,
    WITH_ETAG,
    ApiRequest,
    Input,
    expected_version,
    set_etag,
)
from kehu.sales.lost_reasons import services
from kehu.sales.lost_reasons.models import LostReason

lost_reasons_router = Router(tags=["lost reasons"])


class LostReasonOut(Schema):
    id: int
    key: str = Field(description="Set on the built-in reasons (e.g. `price`, `other`).")
    name: str
    name_zh: str
    display_name: str = Field(description="The name in your language.")
    position: int
    archived: bool = Field(description="No longer offered; lost deals keep it.")
    needs_text: bool = Field(description="“Other”: the deal's `close_reason` says why.")
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')


class LostReasonPage(Schema):
    items: list[LostReasonOut]
    next_cursor: str | None = Field(None, description="Always null: every reason at once.")


class LostReasonFilters(Schema):
    archived: bool | None = Field(None, description="Only archived (true) or active (false).")


class LostReasonCreate(Input):
    name: str = Field(max_length=100)
    name_zh: str = Field("", max_length=100)
    position: int | None = Field(None, ge=0, le=10000, description="Default: last.")


class LostReasonPatch(Input):
    name: str | None = Field(None, max_length=100)
    name_zh: str | None = Field(None, max_length=100)
    position: int | None = Field(None, ge=0, le=10000)
    archived: bool | None = None


def lost_reason_out(reason: LostReason) -> dict:
    return {
        "id": reason.pk,
        "key": reason.key,
        "name": reason.name,
        "name_zh": reason.name_zh,
        "display_name": reason.display_name,
        "position": reason.position,
        "archived": reason.archived,
        "needs_text": reason.is_other,
        "version": reason.version,
    }


def _reason(pk: int) -> LostReason:
    reason = LostReason.objects.filter(pk=pk).first()
    if reason is None:
        raise Http404
    return reason


@lost_reasons_router.get(
    "", response={200: LostReasonPage, **READ_ERRORS}, summary="List the lost reasons"
)
def list_lost_reasons(request: ApiRequest, filters: Query[LostReasonFilters]):
    visibility.require(request.auth, "sales", "read")
    qs = LostReason.objects.all()
    if filters.archived is not None:
        qs = qs.filter(archived=filters.archived)
    return {"items": [lost_reason_out(r) for r in qs], "next_cursor": None}


@lost_reasons_router.get(
    "/{reason_id}",
    response={200: LostReasonOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read a lost reason",
)
def get_lost_reason(request: ApiRequest, response: HttpResponse, reason_id: int = PATH_ID):
    visibility.require(request.auth, "sales", "read")
    reason = _reason(reason_id)
    set_etag(response, reason.version)
    return lost_reason_out(reason)


@lost_reasons_router.post(
    "",
    response={201: LostReasonOut, **CREATE_ERRORS},
    summary="Add a lost reason (administrators)",
)
def create_lost_reason(request: ApiRequest, response: HttpResponse, payload: LostReasonCreate):
    reason = services.create_reason(request.auth, payload.model_dump())
    set_etag(response, reason.version)
    return Status(201, lost_reason_out(reason))


@lost_reasons_router.patch(
    "/{reason_id}",
    response={200: LostReasonOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Rename, move or archive a lost reason (administrators)",
)
def update_lost_reason(
    request: ApiRequest,
    response: HttpResponse,
    payload: LostReasonPatch,
    reason_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    """Send `If-Match` with the ETag you read: if someone changed the reason since, the
    answer is 412 and nothing is changed. Reasons are archived, never deleted."""
    require_admin(request.auth)
    changes = payload.model_dump(exclude_unset=True)
    nulls = [n for n, v in changes.items() if v is None and n != "name_zh"]
    if nulls:
        raise ValidationError({name: [_("This field may not be null.")] for name in nulls})
    reason = _reason(reason_id)
    version = expected_version(if_match, reason.version)
    reason = services.update_reason(request.auth, reason, changes, version)
    set_etag(response, reason.version)
    return lost_reason_out(reason)
