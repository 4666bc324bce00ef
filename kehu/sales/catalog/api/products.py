"""REST routes for the products of the catalogue and their prices (/api/v1/products).

Reads need sales read access; writes go through `sales.catalog.services` (administrators only).
"""

import datetime
import decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
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
    PageParams,
    QueryParams,
    expected_version,
    page_of,
    set_etag,
)
from kehu.customers.models import Company
from kehu.sales.catalog import pricing
from kehu.sales.catalog import services as catalog
from kehu.sales.deals.services import clean_currency
from kehu.sales.models import Product

products_router = Router(tags=["products"])
Money = decimal.Decimal


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
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')


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


class PriceParams(QueryParams):
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
def list_products(request: ApiRequest, filters: Query[ProductFilters]):
    visibility.require(request.auth, "sales", "read")
    qs = Product.objects.all()
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    if filters.q:
        q = filters.q
        qs = qs.filter(Q(sku__icontains=q) | Q(name__icontains=q) | Q(name_zh__icontains=q))
    page = page_of(qs, "name", filters)
    return {"items": [product_out(p) for p in page.items], "next_cursor": page.next_cursor}


@products_router.post("", response={201: ProductOut, **CREATE_ERRORS}, summary="Add a product")
def create_product(request: ApiRequest, response: HttpResponse, payload: ProductIn):
    """Administrators only."""
    product = catalog.save_product(request.auth, None, payload.dict())
    set_etag(response, product.version)
    return Status(201, product_out(product))


@products_router.get(
    "/{product_id}",
    response={200: ProductOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read a product",
)
def get_product(request: ApiRequest, response: HttpResponse, product_id: int = PATH_ID):
    visibility.require(request.auth, "sales", "read")
    product = _product(product_id)
    set_etag(response, product.version)
    return product_out(product)


@products_router.patch(
    "/{product_id}",
    response={200: ProductOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Change a product",
)
def update_product(
    request: ApiRequest,
    response: HttpResponse,
    payload: ProductPatch,
    product_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    """Administrators only. Set `active: false` to stop quoting a product. Send `If-Match`
    with the ETag you read: if someone changed the product since, the answer is 412."""
    visibility.require(request.auth, "sales", "read")
    product = _product(product_id)
    version = expected_version(if_match, product.version)
    saved = catalog.save_product(request.auth, product, _patch_data(payload), version)
    set_etag(response, saved.version)
    return product_out(saved)


@products_router.get(
    "/{product_id}/price",
    response={200: PriceOut, **READ_ERRORS},
    summary="The price of a product for a customer",
)
def get_price(request: ApiRequest, params: Query[PriceParams], product_id: int = PATH_ID):
    """What a quote line would take: the price lists for the company's groups first, the
    largest quantity break not above `quantity`, else the standard price."""
    visibility.require(request.auth, "sales", "read")
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
