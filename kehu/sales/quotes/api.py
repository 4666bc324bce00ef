"""REST routes for products, price lists, quotes and orders (/api/v1/...).

Reads start from `visible_to(user)` (the catalogue is readable by everyone in sales);
writes go through `sales.catalog` and `sales.quotes`.
"""

import datetime
import decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Path, Query, Router, Schema, Status

from kehu.core import visibility
from kehu.core.api_support import (
    CREATE_ERRORS,
    PATCH_ERRORS,
    READ_ERRORS,
    Input,
    PageParams,
    RowId,
    expected_version,
    page_of,
    renamed_fields,
    set_etag,
)
from kehu.core.record_api import RecordQueries, add_record_routes
from kehu.customers.models import Company
from kehu.sales.catalog import pricing
from kehu.sales.catalog import services as catalog
from kehu.sales.deals.services import clean_currency
from kehu.sales.models import Order, PriceList, Product, Quote
from kehu.sales.quotes import services as quotes
from kehu.sales.quotes.pdf import quote_pdf

products_router = Router(tags=["products"])
price_lists_router = Router(tags=["price lists"])
quotes_router = Router(tags=["quotes"])
orders_router = Router(tags=["orders"])

ID = Path(..., ge=1, le=2**63 - 1)
Money = decimal.Decimal
ALIASES = {"company": "company_id", "person": "person_id", "deal": "deal_id",
           "owner": "owner_id", "customer_tag": "customer_tag_id"}  # fmt: skip


def _require_sales_read(user) -> None:
    visibility.require(user, "sales", "read")


# --- products -------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    name_zh: str
    description: str
    unit: str
    price: Money = Field(description="Standard price in the company currency, before tax.")
    tax_rate: Money = Field(description="Percent, e.g. 13.00.")
    active: bool
    updated_at: datetime.datetime


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None


class ProductIn(Input):
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    name_zh: str = Field("", max_length=200)
    description: str = Field("", max_length=5000)
    unit: str = Field("pcs", min_length=1, max_length=20)
    price: Money = Field(Money(0), ge=0, max_digits=16, decimal_places=2)
    tax_rate: Money = Field(Money(0), ge=0, le=100, max_digits=5, decimal_places=2)
    active: bool = True


class ProductPatch(Input):
    sku: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    name_zh: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    unit: str | None = Field(None, min_length=1, max_length=20)
    price: Money | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    tax_rate: Money | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    active: bool | None = None


class ProductFilters(PageParams):
    q: str | None = Field(None, max_length=100, description="Part of the SKU or name.")
    active: bool | None = Field(True, description="`true` (default), `false`, or empty for all.")


class PriceParams(Schema):
    currency: str | None = Field(None, min_length=3, max_length=3, description="Default: CNY.")
    company_id: int | None = Field(None, ge=1, le=2**63 - 1, description="The customer.")
    quantity: Money = Field(Money(1), gt=0, max_digits=12, decimal_places=3)
    on: datetime.date | None = Field(None, description="Default: today.")


class PriceOut(Schema):
    product_id: int
    currency: str
    quantity: Money
    unit_price: Money | None = Field(description="Null when nothing prices it in this currency.")


def product_out(product: Product) -> dict:
    return {name: getattr(product, name) for name in ProductOut.model_fields}


def _patch_data(payload: Input) -> dict:
    return {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}


def _product(pk: int) -> Product:
    product = Product.objects.filter(pk=pk).first()
    if product is None:
        raise Http404
    return product


@products_router.get("", response={200: ProductPage, **READ_ERRORS}, summary="List products")
def list_products(request: HttpRequest, filters: Query[ProductFilters]):
    _require_sales_read(request.auth)
    qs = Product.objects.all()
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    if filters.q:
        q = filters.q
        qs = qs.filter(Q(sku__icontains=q) | Q(name__icontains=q) | Q(name_zh__icontains=q))
    page = page_of(qs, "name", filters)
    return {"items": [product_out(p) for p in page.items], "next_cursor": page.next_cursor}


@products_router.post("", response={201: ProductOut, **CREATE_ERRORS}, summary="Add a product")
def create_product(request: HttpRequest, payload: ProductIn):
    """Administrators only."""
    return Status(201, product_out(catalog.save_product(request.auth, None, payload.dict())))


@products_router.get(
    "/{product_id}", response={200: ProductOut, **READ_ERRORS}, summary="Read a product"
)
def get_product(request: HttpRequest, product_id: int = ID):
    _require_sales_read(request.auth)
    return product_out(_product(product_id))


@products_router.patch(
    "/{product_id}", response={200: ProductOut, **PATCH_ERRORS}, summary="Change a product"
)
def update_product(request: HttpRequest, payload: ProductPatch, product_id: int = ID):
    """Administrators only. Set `active: false` to stop quoting a product."""
    visibility.require(request.auth, "sales", "read")
    product = _product(product_id)
    return product_out(catalog.save_product(request.auth, product, _patch_data(payload)))


@products_router.get(
    "/{product_id}/price",
    response={200: PriceOut, **READ_ERRORS},
    summary="The price of a product for a customer",
)
def get_price(request: HttpRequest, params: Query[PriceParams], product_id: int = ID):
    """What a quote line would take: the price lists for the company's groups first, the
    largest quantity break not above `quantity`, else the standard price."""
    _require_sales_read(request.auth)
    product = _product(product_id)
    code = clean_currency(params.currency)
    company = None
    if params.company_id is not None:
        visible = Company.objects.visible_to(request.auth)
        company = visible.filter(pk=params.company_id).first()
        if company is None:
            raise ValidationError({"company_id": [_("Choose a company you can see.")]})
    price = pricing.unit_price(product, params.quantity, code, company, params.on)
    return {"product_id": product.pk, "currency": code, "quantity": params.quantity,
            "unit_price": price}  # fmt: skip


# --- price lists ----------------------------------------------------------------------------


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
def list_price_lists(request: HttpRequest):
    _require_sales_read(request.auth)
    lists = PriceList.objects.prefetch_related("items")
    return {"items": [price_list_out(p) for p in lists], "next_cursor": None}


@price_lists_router.post(
    "", response={201: PriceListOut, **CREATE_ERRORS}, summary="Add a price list"
)
def create_price_list(request: HttpRequest, payload: PriceListIn):
    """Administrators only."""
    data, rows = _price_list_data(payload, partial=False)
    with renamed_fields(ALIASES):
        saved = catalog.save_price_list(request.auth, None, data, rows or [])
    return Status(201, price_list_out(saved))


def _price_list(pk: int) -> PriceList:
    found = PriceList.objects.prefetch_related("items").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@price_lists_router.get(
    "/{price_list_id}", response={200: PriceListOut, **READ_ERRORS}, summary="Read a price list"
)
def get_price_list(request: HttpRequest, price_list_id: int = ID):
    _require_sales_read(request.auth)
    return price_list_out(_price_list(price_list_id))


@price_lists_router.patch(
    "/{price_list_id}", response={200: PriceListOut, **PATCH_ERRORS}, summary="Change a price list"
)
def update_price_list(request: HttpRequest, payload: PriceListPatch, price_list_id: int = ID):
    """Administrators only."""
    _require_sales_read(request.auth)
    found = _price_list(price_list_id)
    data, rows = _price_list_data(payload, partial=True)
    with renamed_fields(ALIASES):
        saved = catalog.save_price_list(request.auth, found, data, rows)
    return price_list_out(_price_list(saved.pk))


# --- quotes ---------------------------------------------------------------------------------


class LineOut(Schema):
    product_id: int | None
    sku: str
    description: str
    quantity: Money
    unit: str
    unit_price: Money
    discount_percent: Money
    tax_rate: Money
    net: Money = Field(description="Quantity × unit price, less the discount, to the cent.")
    tax: Money


class LineIn(Input):
    """A product line (price and tax from the product when left out) or a free text line."""

    product_id: RowId | None = None
    description: str = Field("", max_length=300, description="Default: the product's name.")
    quantity: Money = Field(gt=0, max_digits=12, decimal_places=3)
    unit: str = Field("", max_length=20)
    unit_price: Money | None = Field(None, ge=0, max_digits=16, decimal_places=2,
                                     description="Default: from the price lists.")  # fmt: skip
    discount_percent: Money = Field(Money(0), ge=0, le=100, max_digits=5, decimal_places=2)
    tax_rate: Money | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2,
                                   description="Default: the product's.")  # fmt: skip


class QuoteOut(Schema):
    id: int
    number: str
    revision: int
    is_latest: bool
    title: str
    status: Literal["draft", "sent", "accepted", "rejected", "superseded"]
    deal_id: int | None
    company_id: int | None
    person_id: int | None
    currency: str
    valid_until: datetime.date | None
    terms: str
    lines: list[LineOut]
    subtotal: Money
    discount_total: Money
    tax_total: Money
    total: Money
    email_state: Literal["", "queued", "sent", "failed"]
    email_to: str
    email_error: str
    sent_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    decision_note: str
    order_id: int | None
    owner_id: int
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class QuotePage(Schema):
    items: list[QuoteOut]
    next_cursor: str | None


class QuoteCreate(Input):
    title: str | None = Field(None, max_length=200, description="Default: the deal's name.")
    deal_id: RowId | None = None
    company_id: RowId | None = Field(None, description="Default: the deal's company.")
    person_id: RowId | None = None
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="Default: the deal's, or the company's."
    )
    valid_until: datetime.date | None = Field(None, description="Default: in 30 days.")
    terms: str = Field("", max_length=5000)
    lines: list[LineIn] = Field(default_factory=list, max_length=200)
    owner_id: RowId | None = Field(None, description="Default: you.")


class QuotePatch(Input):
    """Only a draft changes. `lines`, when sent, replace all the quote's lines."""

    title: str | None = Field(None, max_length=200)
    company_id: RowId | None = None
    person_id: RowId | None = None
    currency: str | None = Field(None, min_length=3, max_length=3)
    valid_until: datetime.date | None = None
    terms: str | None = Field(None, max_length=5000)
    lines: list[LineIn] | None = Field(None, max_length=200)
    owner_id: RowId | None = None


class QuoteFilters(PageParams):
    number: str | None = Field(None, max_length=20, description="The start of the number.")
    status: Literal["draft", "sent", "accepted", "rejected", "superseded"] | None = None
    deal: int | None = Field(None, ge=1, le=2**63 - 1, description="Deal id.")
    owner: str | None = Field(None, pattern=r"^(me|[0-9]{1,18})$", description="User id or `me`.")
    all_versions: bool = Field(False, description="Include superseded versions.")
    ordering: str = Field("-updated_at", pattern=r"^-?(updated_at|total)$")


class SendIn(Input):
    to: str | None = Field(
        None, max_length=254, description="Email it there; null: only mark as sent."
    )
    subject: str = Field("", max_length=200)
    message: str = Field("", max_length=5000)


class DecisionIn(Input):
    note: str = Field("", max_length=300, description="Why it was accepted or rejected.")


def quote_out(quote: Quote) -> dict:
    names = [n for n in QuoteOut.model_fields if n not in ("lines", "order_id")]
    order = getattr(quote, "order", None) if quote.status == Quote.Status.ACCEPTED else None
    return {
        **{name: getattr(quote, name) for name in names},
        "lines": [
            {n: getattr(line, n) for n in LineOut.model_fields} for line in quote.lines.all()
        ],
        "order_id": order.pk if order else None,
    }


RELATIONS = {"deal_id": "deal", "company_id": "company", "person_id": "person",
             "owner_id": "owner"}  # fmt: skip


def _quote_changes(payload: Input, partial: bool) -> dict:
    data = payload.model_dump(exclude_unset=partial)
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name in RELATIONS:
            # a PATCH may clear the company or contact; on create, null means "the default"
            if value is not None or (partial and name in ("company_id", "person_id")):
                changes[RELATIONS[name]] = value
        elif name == "lines":
            if value is not None:
                changes["lines"] = [
                    {
                        **{k: v for k, v in line.items() if v is not None and k != "product_id"},
                        "product": line.get("product_id"),
                    }  # fmt: skip
                    for line in value
                ]
        elif value is not None or name == "valid_until":
            changes[name] = value
    return changes


def _quote_filters(qs: QuerySet, request: HttpRequest, filters: QuoteFilters) -> QuerySet:
    if filters.status:
        qs = qs.filter(status=filters.status)
    if not filters.all_versions and filters.status != Quote.Status.SUPERSEDED:
        qs = qs.filter(is_latest=True)
    if filters.number:
        qs = qs.filter(number__startswith=filters.number.upper())
    if filters.deal:
        qs = qs.filter(deal_id=filters.deal)
    if filters.owner:
        qs = qs.filter(owner_id=request.auth.pk if filters.owner == "me" else int(filters.owner))
    return qs


QUOTES = RecordQueries(Quote, select_related=("order",), prefetch_related=("lines",))

add_record_routes(
    quotes_router,
    queries=QUOTES,
    module=__name__,
    entity="quote",
    plural="quotes",
    label="a quote",
    out_schema=QuoteOut,
    page_schema=QuotePage,
    create_schema=QuoteCreate,
    patch_schema=QuotePatch,
    filters_schema=QuoteFilters,
    list_description="Quotes you can see (their latest versions unless `all_versions`).",
    apply_filters=_quote_filters,
    to_out=quote_out,
    to_changes=_quote_changes,
    create=quotes.create_quote,
    update=quotes.update_quote,
    delete=quotes.delete_quote,
    restore=quotes.restore_quote,
    aliases=ALIASES,
)


def _if_match():
    return Header(None, alias="If-Match", description='ETag read, e.g. W/"3".')


@quotes_router.post(
    "/{quote_id}/send",
    response={200: QuoteOut, **PATCH_ERRORS},
    summary="Send a quote",
    operation_id="kehu_sales_quote_api_send_quote",
)
def send_quote(request: HttpRequest, response: HttpResponse, payload: SendIn,
               quote_id: int = ID, if_match: str | None = _if_match()):  # fmt: skip
    """With `to`, email the PDF (from a background task: `email_state` tells how it went);
    without it, only mark the quote as sent. A sent quote no longer changes."""
    quote = QUOTES.visible(request.auth, quote_id)
    version = expected_version(if_match, quote.version)
    sent = quotes.send_quote(request.auth, quote, payload.to, payload.subject, payload.message,
                             version)  # fmt: skip
    set_etag(response, sent.version)
    return quote_out(QUOTES.loaded(sent))


@quotes_router.post(
    "/{quote_id}/accept",
    response={200: QuoteOut, **PATCH_ERRORS},
    summary="Accept a quote (makes its order)",
    operation_id="kehu_sales_quote_api_accept_quote",
)
def accept_quote(request: HttpRequest, response: HttpResponse, payload: DecisionIn,
                 quote_id: int = ID, if_match: str | None = _if_match()):  # fmt: skip
    quote = QUOTES.visible(request.auth, quote_id)
    version = expected_version(if_match, quote.version)
    accepted = quotes.accept_quote(request.auth, quote, payload.note, version)
    set_etag(response, accepted.version)
    return quote_out(QUOTES.visible(request.auth, accepted.pk))


@quotes_router.post(
    "/{quote_id}/reject",
    response={200: QuoteOut, **PATCH_ERRORS},
    summary="Reject a quote",
    operation_id="kehu_sales_quote_api_reject_quote",
)
def reject_quote(request: HttpRequest, response: HttpResponse, payload: DecisionIn,
                 quote_id: int = ID, if_match: str | None = _if_match()):  # fmt: skip
    quote = QUOTES.visible(request.auth, quote_id)
    version = expected_version(if_match, quote.version)
    rejected = quotes.reject_quote(request.auth, quote, payload.note, version)
    set_etag(response, rejected.version)
    return quote_out(QUOTES.loaded(rejected))


@quotes_router.post(
    "/{quote_id}/revise",
    response={201: QuoteOut, **PATCH_ERRORS},
    summary="Make a new version of a quote",
    operation_id="kehu_sales_quote_api_revise_quote",
)
def revise_quote(request: HttpRequest, response: HttpResponse, quote_id: int = ID,
                 if_match: str | None = _if_match()):  # fmt: skip
    """A new draft with the same number and the next revision; the old one is superseded."""
    quote = QUOTES.visible(request.auth, quote_id)
    version = expected_version(if_match, quote.version)
    revised = quotes.revise_quote(request.auth, quote, version)
    set_etag(response, revised.version)
    response["Location"] = f"{request.path.rsplit('/', 2)[0]}/{revised.pk}"
    return Status(201, quote_out(QUOTES.loaded(revised)))


@quotes_router.get(
    "/{quote_id}/pdf",
    response={200: None, **READ_ERRORS},
    summary="A quote as a PDF",
    operation_id="kehu_sales_quote_api_quote_pdf",
    openapi_extra={
        "responses": {200: {"description": "The PDF.", "content": {"application/pdf": {}}}}
    },
)
def get_quote_pdf(request: HttpRequest, quote_id: int = ID):
    quote = QUOTES.visible(request.auth, quote_id)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.label.replace(" ", "-")}.pdf"'
    return response


# --- orders ---------------------------------------------------------------------------------


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
    owner: str | None = Field(None, pattern=r"^(me|[0-9]{1,18})$", description="User id or `me`.")
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


def _visible_order(user, pk: int) -> Order:
    order = Order.objects.visible_to(user).prefetch_related("lines").filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


@orders_router.get("", response={200: OrderPage, **READ_ERRORS}, summary="List orders")
def list_orders(request: HttpRequest, filters: Query[OrderFilters]):
    qs = Order.objects.visible_to(request.auth).prefetch_related("lines")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner:
        qs = qs.filter(owner_id=request.auth.pk if filters.owner == "me" else int(filters.owner))
    page = page_of(qs, filters.ordering, filters)
    return {"items": [order_out(o) for o in page.items], "next_cursor": page.next_cursor}


@orders_router.get("/{order_id}", response={200: OrderOut, **READ_ERRORS}, summary="Read an order")
def get_order(request: HttpRequest, response: HttpResponse, order_id: int = ID):
    order = _visible_order(request.auth, order_id)
    set_etag(response, order.version)
    return order_out(order)


@orders_router.patch(
    "/{order_id}", response={200: OrderOut, **PATCH_ERRORS}, summary="Fulfil, cancel or reopen"
)
def update_order(request: HttpRequest, response: HttpResponse, payload: OrderPatch,
                 order_id: int = ID, if_match: str | None = _if_match()):  # fmt: skip
    order = _visible_order(request.auth, order_id)
    version = expected_version(if_match, order.version)
    saved = quotes.set_order_status(request.auth, order, payload.status, version)
    set_etag(response, saved.version)
    return order_out(_visible_order(request.auth, saved.pk))
