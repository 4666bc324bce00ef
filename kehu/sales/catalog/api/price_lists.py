"""REST routes for price lists (/api/v1/price-lists): prices by currency, customer tag, dates
and quantity, which a quote line takes before the standard price.

Reads need sales read access; writes go through `sales.catalog.services` (administrators only).
"""

import datetime
import decimal

from django.http import Http404, HttpResponse
from ninja import Field, Router, Schema, Status

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
    renamed_fields,
    set_etag,
)
from kehu.sales.catalog import services as catalog
from kehu.sales.models import PriceList

price_lists_router = Router(tags=["price lists"])
Money = decimal.Decimal
ALIASES = {"customer_tag": "customer_tag_id"}


class PriceItem(Schema):
    product_id: RowId
    min_quantity: Money = Field(Money(1), gt=0, max_digits=12, decimal_places=3)
    unit_price: Money = Field(ge=0, max_digits=16, decimal_places=2)


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    customer_tag_id: int | None = Field(description="Only for companies with this tag.")
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    active: bool
    items: list[PriceItem]
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')


class PriceListPage(Schema):
    items: list[PriceListOut]
    next_cursor: str | None = Field(None, description="Always null: every price list at once.")


class PriceListIn(Input):
    name: str = Field(min_length=1, max_length=100)
    currency: str | None = Field(None, min_length=3, max_length=3)
    customer_tag_id: RowId | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    active: bool = True
    items: list[PriceItem] = Field(default_factory=list, max_length=500)


class PriceListPatch(Input):
    """Only the fields sent change; `items`, when sent, replace all the list's prices."""

    name: str | None = Field(None, min_length=1, max_length=100)
    currency: str | None = Field(None, min_length=3, max_length=3)
    customer_tag_id: RowId | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    active: bool | None = None
    items: list[PriceItem] | None = Field(None, max_length=500)


def price_list_out(price_list: PriceList) -> dict:
    return {
        **{
            name: getattr(price_list, name)
            for name in (
                "id",
                "name",
                "currency",
                "customer_tag_id",
                "valid_from",
                "valid_until",
                "active",
                "version",
            )
        },  # fmt: skip
        "items": [
            {
                "product_id": i.product_id,
                "min_quantity": i.min_quantity,
                "unit_price": i.unit_price,
            }  # fmt: skip
            for i in price_list.items.all()
        ],
    }


def _price_list_data(payload: Input, partial: bool) -> tuple[dict, list | None]:
    data = payload.model_dump(exclude_unset=partial)
    items = data.pop("items", None)
    if "customer_tag_id" in data:
        data["customer_tag"] = data.pop("customer_tag_id")
    nullable = ("customer_tag", "valid_from", "valid_until")
    data = {k: v for k, v in data.items() if v is not None or k in nullable}
    rows = None
    if items is not None:
        rows = [{**item, "product": item.pop("product_id")} for item in items]
    return data, rows


@price_lists_router.get(
    "", response={200: PriceListPage, **READ_ERRORS}, summary="List price lists"
)
def list_price_lists(request: ApiRequest):
    visibility.require(request.auth, "sales", "read")
    lists = PriceList.objects.prefetch_related("items")
    return {"items": [price_list_out(p) for p in lists], "next_cursor": None}


@price_lists_router.post(
    "", response={201: PriceListOut, **CREATE_ERRORS}, summary="Add a price list"
)
def create_price_list(request: ApiRequest, response: HttpResponse, payload: PriceListIn):
    """Administrators only."""
    data, rows = _price_list_data(payload, partial=False)
    with renamed_fields(ALIASES):
        saved = catalog.save_price_list(request.auth, None, data, rows or [])
    set_etag(response, saved.version)
    return Status(201, price_list_out(saved))


def _price_list(pk: int) -> PriceList:
    found = PriceList.objects.prefetch_related("items").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@price_lists_router.get(
    "/{price_list_id}",
    response={200: PriceListOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read a price list",
)
def get_price_list(request: ApiRequest, response: HttpResponse, price_list_id: int = PATH_ID):
    visibility.require(request.auth, "sales", "read")
    found = _price_list(price_list_id)
    set_etag(response, found.version)
    return price_list_out(found)


@price_lists_router.patch(
    "/{price_list_id}",
    response={200: PriceListOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Change a price list",
)
def update_price_list(
    request: ApiRequest,
    response: HttpResponse,
    payload: PriceListPatch,
    price_list_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    """Administrators only. Send `If-Match` with the ETag you read: if someone changed the
    price list since, the answer is 412."""
    visibility.require(request.auth, "sales", "read")
    found = _price_list(price_list_id)
    version = expected_version(if_match, found.version)
    data, rows = _price_list_data(payload, partial=True)
    with renamed_fields(ALIASES):
        saved = catalog.save_price_list(request.auth, found, data, rows, version)
    set_etag(response, saved.version)
    return price_list_out(_price_list(saved.pk))
