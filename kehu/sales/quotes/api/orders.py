# mypy: disable-error-code="arg-type"
"""REST routes for orders (/api/v1/orders): what an accepted quote becomes; listed, read, and
fulfilled, cancelled or reopened.

Reads start from `visible_to(user)`; writes go through `sales.quotes.services`.
"""

import datetime
import decimal
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from kehu.core.api_support import (
    IF_MATCH,
    PATCH_ERRORS,
    PATH_ID,
    READ_ERRORS,
    ApiRequest,
    Input,
    OwnerFilter,
    PageParams,
    owned_by,
    page_of,
    set_etag,
)
from kehu.core.record_api import RecordQueries
from kehu.core.saved_views.lists import VIEW_PARAMETER, narrow_by_view, view_for
from kehu.sales.models import Order
from kehu.sales.quotes import services as quotes
from kehu.sales.quotes.api.quotes import LineOut

orders_router = Router(tags=["orders"])
Money = decimal.Decimal
ORDERS = RecordQueries(Order, prefetch_related=("lines",))


class OrderOut(Schema):
    id: int
    number: str
    quote_id: int
    deal_id: int | None
    company_id: int | None
    person_id: int | None
    status: Literal["open", "fulfilled", "cancelled"]
    currency: str
    lines: list[LineOut]
    subtotal: Money
    discount_total: Money
    tax_total: Money
    total: Money
    ordered_at: datetime.datetime
    owner_id: int
    version: int
    updated_at: datetime.datetime


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class OrderFilters(PageParams):
    status: Literal["open", "fulfilled", "cancelled"] | None = None
    owner: OwnerFilter = None
    ordering: str = Field("-ordered_at", pattern=r"^-?ordered_at$")


class OrderPatch(Input):
    status: Literal["open", "fulfilled", "cancelled"]


def order_out(order: Order) -> dict:
    names = [n for n in OrderOut.model_fields if n != "lines"]
    return {
        **{name: getattr(order, name) for name in names},
        "lines": [
            {n: getattr(line, n) for n in LineOut.model_fields} for line in order.lines.all()
        ],
    }


@orders_router.get(
    "", response={200: OrderPage, **READ_ERRORS}, summary="List orders",
    openapi_extra={"parameters": [VIEW_PARAMETER]},
)  # fmt: skip
def list_orders(request: ApiRequest, filters: Query[OrderFilters]):
    view = view_for(request.auth, "order", request.GET.get("view"))
    qs = ORDERS.with_related(Order.objects.visible_to(request.auth))
    qs = narrow_by_view(qs, request.auth, view)
    if filters.status:
        qs = qs.filter(status=filters.status)
    qs = owned_by(qs, request.auth, filters.owner)
    page = page_of(qs, filters.ordering, filters)
    return {"items": [order_out(o) for o in page.items], "next_cursor": page.next_cursor}


@orders_router.get("/{order_id}", response={200: OrderOut, **READ_ERRORS}, summary="Read an order")
def get_order(request: ApiRequest, response: HttpResponse, order_id: int = PATH_ID):
    order = ORDERS.visible(request.auth, order_id)
    set_etag(response, order.version)
    return order_out(order)


@orders_router.patch(
    "/{order_id}", response={200: OrderOut, **PATCH_ERRORS}, summary="Fulfil, cancel or reopen"
)
def update_order(request: ApiRequest, response: HttpResponse, payload: OrderPatch,
                 order_id: int = PATH_ID, if_match: str | None = IF_MATCH):  # fmt: skip
    def set_status(order: Order, version: int | None) -> Order:
        return quotes.set_order_status(request.auth, order, payload.status, version)

    return order_out(ORDERS.change(request.auth, order_id, if_match, response, set_status))
