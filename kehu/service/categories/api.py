"""REST routes for ticket categories (/api/v1/ticket-categories): everyone who reads tickets
reads the list; administrators add, rename, move and archive. Writes go through
`service.categories.services`."""

from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema, Status

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
    RowId,
    expected_version,
    set_etag,
)
from kehu.service.categories import services
from kehu.service.categories.models import TicketCategory

categories_router = Router(tags=["ticket categories"])


class CategoryOut(Schema):
    id: int
    name: str
    name_zh: str
    display_name: str = Field(description="The name in your language, with its parent's.")
    parent_id: int | None = Field(description="Null for a top-level category.")
    position: int
    active: bool
    version: int


class CategoryPage(Schema):
    items: list[CategoryOut]
    next_cursor: str | None = Field(None, description="Always null: every category at once.")


class CategoryFilters(Schema):
    active: bool | None = Field(None, description="Only active (true) or archived (false).")


class CategoryCreate(Input):
    name: str = Field(max_length=100)
    name_zh: str = Field("", max_length=100)
    parent_id: RowId | None = Field(None, description="A top-level category; null: top level.")
    position: int = Field(0, ge=0, le=10000)


class CategoryPatch(Input):
    name: str | None = Field(None, max_length=100)
    name_zh: str | None = Field(None, max_length=100)
    parent_id: RowId | None = None
    position: int | None = Field(None, ge=0, le=10000)
    active: bool | None = None


def category_out(category: TicketCategory) -> dict:
    return {
        "id": category.pk,
        "name": category.name,
        "name_zh": category.name_zh,
        "display_name": category.path,
        "parent_id": category.parent_id,
        "position": category.position,
        "active": category.active,
        "version": category.version,
    }


def _changes(payload: Input, partial: bool) -> dict:
    data = payload.model_dump(exclude_unset=partial)
    if "parent_id" in data:
        data["parent"] = data.pop("parent_id")
    return {k: v for k, v in data.items() if v is not None or k == "parent"}


def _category(pk: int) -> TicketCategory:
    category = TicketCategory.objects.select_related("parent").filter(pk=pk).first()
    if category is None:
        raise Http404
    return category


@categories_router.get(
    "", response={200: CategoryPage, **READ_ERRORS}, summary="List the ticket categories"
)
def list_ticket_categories(request: ApiRequest, filters: Query[CategoryFilters]):
    visibility.require(request.auth, "service", "read")
    qs = TicketCategory.objects.select_related("parent")
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return {"items": [category_out(c) for c in qs], "next_cursor": None}


@categories_router.get(
    "/{category_id}",
    response={200: CategoryOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read a ticket category",
)
def get_ticket_category(request: ApiRequest, response: HttpResponse, category_id: int = PATH_ID):
    visibility.require(request.auth, "service", "read")
    category = _category(category_id)
    set_etag(response, category.version)
    return category_out(category)


@categories_router.post(
    "", response={201: CategoryOut, **CREATE_ERRORS}, summary="Add a category (administrators)"
)
def create_ticket_category(request: ApiRequest, response: HttpResponse, payload: CategoryCreate):
    category = services.create_category(request.auth, _changes(payload, False))
    set_etag(response, category.version)
    return Status(201, category_out(category))


@categories_router.patch(
    "/{category_id}",
    response={200: CategoryOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Rename, move or archive a category (administrators)",
)
def update_ticket_category(
    request: ApiRequest,
    response: HttpResponse,
    payload: CategoryPatch,
    category_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    from kehu.accounts.services import require_admin

    require_admin(request.auth)
    category = _category(category_id)
    version = expected_version(if_match, category.version)
    category = services.update_category(request.auth, category, _changes(payload, True), version)
    set_etag(response, category.version)
    return category_out(category)
