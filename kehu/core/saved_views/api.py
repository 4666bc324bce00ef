# mypy: disable-error-code="no-untyped-def, type-arg, valid-type"
"""REST routes for saved views (/api/v1/views). Writes go through `saved_views.services`.

A view's condition is the condition language (kehu/core/conditions); every list endpoint takes
`?view=ID` and narrows its records by that view's condition."""

from typing import Any, Literal

from django.http import HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from kehu.core.api_support import (
    CREATE_ERRORS,
    IF_MATCH,
    PATCH_ERRORS,
    READ_ERRORS,
    WITH_ETAG,
    ApiRequest,
    Input,
    PageParams,
    expected_version,
    page_of,
    set_etag,
)
from kehu.core.saved_views import services
from kehu.core.saved_views.models import SavedView

views_router = Router(tags=["views"])
ID = Path(..., ge=1, le=2**63 - 1)
ListKey = Literal[tuple(services.LIST_KEYS)]


class ViewOut(Schema):
    id: int
    list: str
    name: str
    condition: dict[str, Any]
    columns: list[str]
    sort: str
    shared: bool = Field(description="Shared with the owner's team (read-only for them).")
    owner_id: int
    editable: bool = Field(description="Whether you may change or delete it.")
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')


class ViewPage(Schema):
    items: list[ViewOut]
    next_cursor: str | None


class ViewFilters(PageParams):
    list: ListKey | None = Field(None, description="Only views of this list.")


CONDITION_HELP = (
    'The condition language: {"all": [...]}, {"any": [...]}, {"not": {...}} and rules '
    '{"field": "company.city", "op": "eq", "value": "上海"}. See docs/lists-and-views.md.'
)


class ViewCreate(Input):
    list: ListKey
    name: str = Field(max_length=100)
    condition: dict[str, Any] = Field(default_factory=dict, description=CONDITION_HELP)
    columns: list[str] = Field(default_factory=list, max_length=40)
    sort: str = Field("", max_length=60)
    shared: bool = Field(False, description="Share with your team (managers).")


class ViewPatch(Input):
    name: str | None = Field(None, max_length=100)
    condition: dict[str, Any] | None = Field(None, description=CONDITION_HELP)
    columns: list[str] | None = Field(None, max_length=40)
    sort: str | None = Field(None, max_length=60)
    shared: bool | None = None


def view_out(view: SavedView, user) -> dict:
    return {
        "id": view.pk,
        "list": view.list_key,
        "name": view.name,
        "condition": view.condition or {"all": []},
        "columns": list(view.columns or []),
        "sort": view.sort,
        "shared": view.team_id is not None,
        "owner_id": view.owner_id,
        "editable": services.may_change(user, view),
        "version": view.version,
    }


@views_router.get("", response={200: ViewPage, **READ_ERRORS}, summary="List saved views")
def list_views(request: ApiRequest, filters: Query[ViewFilters]):
    """Your views and those shared with your team."""
    qs = services.visible_views(request.auth)
    if filters.list:
        qs = qs.filter(list_key=filters.list)
    page = page_of(qs, "id", filters)
    return {
        "items": [view_out(v, request.auth) for v in page.items],
        "next_cursor": page.next_cursor,
    }


@views_router.get(
    "/{view_id}", response={200: ViewOut, **READ_ERRORS}, openapi_extra=WITH_ETAG,
    summary="Read a saved view",
)  # fmt: skip
def get_view(request: ApiRequest, response: HttpResponse, view_id: int = ID):
    view = services.get_visible(request.auth, view_id)
    set_etag(response, view.version)
    return view_out(view, request.auth)


@views_router.post("", response={201: ViewOut, **CREATE_ERRORS}, summary="Save a view")
def create_view(request: ApiRequest, response: HttpResponse, payload: ViewCreate):
    view = services.create_view(request.auth, payload.model_dump())
    set_etag(response, view.version)
    return Status(201, view_out(view, request.auth))


@views_router.patch(
    "/{view_id}", response={200: ViewOut, **PATCH_ERRORS}, openapi_extra=WITH_ETAG,
    summary="Change a saved view (its owner)",
)  # fmt: skip
def update_view(
    request: ApiRequest,
    response: HttpResponse,
    payload: ViewPatch,
    view_id: int = ID,
    if_match: str | None = IF_MATCH,
):
    """Send `If-Match` with the ETag you read: if the view changed since, the answer is 412."""
    view = services.get_visible(request.auth, view_id)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    version = expected_version(if_match, view.version)
    view = services.update_view(request.auth, view, changes, version)
    set_etag(response, view.version)
    return view_out(view, request.auth)


@views_router.delete(
    "/{view_id}", response={204: None, **READ_ERRORS}, summary="Delete a saved view (its owner)"
)
def delete_view(request: ApiRequest, view_id: int = ID):
    services.delete_view(request.auth, services.get_visible(request.auth, view_id))
    return Status(204, None)
