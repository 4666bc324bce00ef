# mypy: disable-error-code="arg-type, attr-defined"
"""REST routes for quotes (/api/v1/quotes): the record contract, and sending, accepting,
rejecting and revising a quote, and its PDF.

Reads start from `visible_to(user)`; writes go through `sales.quotes.services`.
"""

import datetime
import decimal
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status

from kehu.core.api_support import (
    IF_MATCH,
    PATCH_ERRORS,
    PATH_ID,
    READ_ERRORS,
    ApiRequest,
    Input,
    OwnerFilter,
    PageParams,
    RowId,
    owned_by,
)
from kehu.core.record_api import RecordQueries, add_record_routes
from kehu.sales.models import Quote
from kehu.sales.quotes import services as quotes

quotes_router = Router(tags=["quotes"])

Money = decimal.Decimal
ALIASES = {"company": "company_id", "person": "person_id", "deal": "deal_id",
           "owner": "owner_id", "customer_tag": "customer_tag_id"}  # fmt: skip


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
    custom: dict[str, Any] = Field(description="Custom field values by key.")
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
    custom: dict[str, Any] = Field(
        default_factory=dict,
        description="Custom field values by key (`GET /custom-fields?entity=quote` lists them).",
    )
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
    custom: dict[str, Any] | None = Field(
        None, description="Custom field values by key; only the keys sent change, null clears."
    )
    owner_id: RowId | None = None


class QuoteFilters(PageParams):
    number: str | None = Field(None, max_length=20, description="The start of the number.")
    status: Literal["draft", "sent", "accepted", "rejected", "superseded"] | None = None
    deal: int | None = Field(None, ge=1, le=2**63 - 1, description="Deal id.")
    owner: OwnerFilter = None
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


def _quote_filters(qs: QuerySet, request: ApiRequest, filters: QuoteFilters) -> QuerySet:
    if filters.status:
        qs = qs.filter(status=filters.status)
    if not filters.all_versions and filters.status != Quote.Status.SUPERSEDED:
        qs = qs.filter(is_latest=True)
    if filters.number:
        qs = qs.filter(number__startswith=filters.number.upper())
    if filters.deal:
        qs = qs.filter(deal_id=filters.deal)
    return owned_by(qs, request.auth, filters.owner)


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


@quotes_router.post(
    "/{quote_id}/send",
    response={200: QuoteOut, **PATCH_ERRORS},
    summary="Send a quote",
    operation_id="kehu_sales_quote_api_send_quote",
)
def send_quote(request: ApiRequest, response: HttpResponse, payload: SendIn,
               quote_id: int = PATH_ID, if_match: str | None = IF_MATCH):  # fmt: skip
    """With `to`, email the PDF (from a background task: `email_state` tells how it went);
    without it, only mark the quote as sent. A sent quote no longer changes."""

    def send(quote: Quote, version: int | None) -> Quote:
        return quotes.send_quote(request.auth, quote, payload.to, payload.subject,
                                 payload.message, version)  # fmt: skip

    return quote_out(QUOTES.change(request.auth, quote_id, if_match, response, send))


@quotes_router.post(
    "/{quote_id}/accept",
    response={200: QuoteOut, **PATCH_ERRORS},
    summary="Accept a quote (makes its order)",
    operation_id="kehu_sales_quote_api_accept_quote",
)
def accept_quote(request: ApiRequest, response: HttpResponse, payload: DecisionIn,
                 quote_id: int = PATH_ID, if_match: str | None = IF_MATCH):  # fmt: skip
    def accept(quote: Quote, version: int | None) -> Quote:
        return quotes.accept_quote(request.auth, quote, payload.note, version)

    # read again through the door: the answer names the order the acceptance made
    accepted = QUOTES.change(request.auth, quote_id, if_match, response, accept, reread=True)
    return quote_out(accepted)


@quotes_router.post(
    "/{quote_id}/reject",
    response={200: QuoteOut, **PATCH_ERRORS},
    summary="Reject a quote",
    operation_id="kehu_sales_quote_api_reject_quote",
)
def reject_quote(request: ApiRequest, response: HttpResponse, payload: DecisionIn,
                 quote_id: int = PATH_ID, if_match: str | None = IF_MATCH):  # fmt: skip
    def reject(quote: Quote, version: int | None) -> Quote:
        return quotes.reject_quote(request.auth, quote, payload.note, version)

    return quote_out(QUOTES.change(request.auth, quote_id, if_match, response, reject))


@quotes_router.post(
    "/{quote_id}/revise",
    response={201: QuoteOut, **PATCH_ERRORS},
    summary="Make a new version of a quote",
    operation_id="kehu_sales_quote_api_revise_quote",
)
def revise_quote(request: ApiRequest, response: HttpResponse, quote_id: int = PATH_ID,
                 if_match: str | None = IF_MATCH):  # fmt: skip
    """A new draft with the same number and the next revision; the old one is superseded."""

    def revise(quote: Quote, version: int | None) -> Quote:
        return quotes.revise_quote(request.auth, quote, version)

    revised = QUOTES.change(request.auth, quote_id, if_match, response, revise)
    response["Location"] = f"{request.path.rsplit('/', 2)[0]}/{revised.pk}"
    return Status(201, quote_out(revised))


@quotes_router.get(
    "/{quote_id}/pdf",
    response={200: None, **READ_ERRORS},
    summary="A quote as a PDF",
    operation_id="kehu_sales_quote_api_quote_pdf",
    openapi_extra={
        "responses": {200: {"description": "The PDF.", "content": {"application/pdf": {}}}}
    },
)
def get_quote_pdf(request: ApiRequest, quote_id: int = PATH_ID):
    from kehu.sales.quotes.pdf import quote_pdf  # reportlab is slow to import: only when used

    quote = QUOTES.visible(request.auth, quote_id)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quote.label.replace(" ", "-")}.pdf"'
    return response
