# mypy: disable-error-code="arg-type, attr-defined, union-attr"
"""REST routes for leads (/api/v1/leads): the record contract, and converting a lead.

Reads start from `visible_to(user)`; writes go through `sales.leads.services`.
"""

import datetime
import decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema

from kehu.core import search
from kehu.core.api_support import (
    PATCH_ERRORS,
    PATH_ID,
    ApiRequest,
    Input,
    OwnerFilter,
    PageParams,
    RowId,
    owned_by,
    renamed_fields,
)
from kehu.core.contact import display_phone
from kehu.core.record_api import RecordQueries, add_record_routes
from kehu.customers.queries import filter_by_custom
from kehu.sales.assignment.services import BY_RULES
from kehu.sales.leads import services as leads
from kehu.sales.models import Lead
from kehu.sales.scoring.services import feature_label

leads_router = Router(tags=["leads"])
ALIASES = {"owner": "owner_id"}
LeadStatus = Literal["new", "contacted", "qualified", "disqualified", "converted"]
LeadSource = Literal["web", "referral", "event", "ads", "call", "import", "other"]


class ScoreReason(Schema):
    label: str = Field(description="The scoring rule's name.")
    points: int


class LearnedReason(Schema):
    feature: str = Field(description="e.g. `source=referral`, `email=company`.")
    label: str
    weight: float = Field(description="How far it pushed the score (log-odds; + up, − down).")


class LeadOut(Schema):
    id: int
    name: str
    company_name: str
    title: str
    email: str
    phone: str = Field(description="E.164; empty if none.")
    phone_display: str
    source: LeadSource
    status: LeadStatus
    disqualify_reason: str
    notes: str
    next_step: str
    next_step_due: datetime.date | None
    converted_at: datetime.datetime | None
    person_id: int | None
    company_id: int | None
    deal_id: int | None
    owner_id: int
    region: str
    product_interest: str | None = Field(description="The SKU of the product they asked about.")
    score: int = Field(description="Points from the scoring rules.")
    score_reasons: list[ScoreReason]
    learned_score: int | None = Field(
        description="Chance of winning (0–100) the learned model gives; null before it is trained."
    )
    learned_reasons: list[LearnedReason]
    custom: dict[str, Any]
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class LeadCreate(Input):
    name: str = Field(max_length=150)
    company_name: str = Field("", max_length=200)
    title: str = Field("", max_length=100)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=64, description="Any common format; stored as E.164.")
    source: LeadSource = "other"
    status: Literal["new", "contacted", "qualified", "disqualified"] = "new"
    disqualify_reason: str = Field("", max_length=200, description="Needed when disqualified.")
    notes: str = Field("", max_length=20000)
    next_step: str = Field("", max_length=200)
    next_step_due: datetime.date | None = None
    region: str = Field("", max_length=100)
    product_interest: str | None = Field(None, max_length=64, description="A product's SKU.")
    custom: dict[str, Any] = Field(default_factory=dict, description="Custom field values by key.")
    owner_id: RowId | None = Field(
        None, description="Default: as the assignment rules say, or else you."
    )


class LeadPatch(Input):
    """Only the fields sent change. A lead becomes `converted` only through `/convert`."""

    name: str | None = Field(None, max_length=150)
    company_name: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=64)
    source: LeadSource | None = None
    status: LeadStatus | None = None
    disqualify_reason: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=20000)
    next_step: str | None = Field(None, max_length=200)
    next_step_due: datetime.date | None = None
    region: str | None = Field(None, max_length=100)
    product_interest: str | None = Field(None, max_length=64, description="A SKU; empty: none.")
    custom: dict[str, Any] | None = Field(
        None, description="Custom field values by key; only the keys sent change, null clears."
    )
    owner_id: RowId | None = None


class LeadFilters(PageParams):
    q: str | None = Field(None, max_length=200, description="Name, company, email or phone.")
    status: LeadStatus | None = None
    source: LeadSource | None = None
    owner: OwnerFilter = None
    ordering: str = Field(
        "-updated_at",
        pattern=r"^-?(name|updated_at|score)$",
        description="`name`, `updated_at` or `score` (the rules' points); `-` for descending.",
    )


class LeadConvert(Input):
    make_deal: bool = Field(True, description="Also create a deal for the company.")
    deal_name: str | None = Field(None, max_length=200, description="Default: the company.")
    amount: decimal.Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    expected_close: datetime.date | None = None


def lead_out(lead: Lead) -> dict:
    return {
        "id": lead.pk, "name": lead.name, "company_name": lead.company_name,
        "title": lead.title, "email": lead.email, "phone": lead.phone,
        "phone_display": display_phone(lead.phone), "source": lead.source,
        "status": lead.status, "disqualify_reason": lead.disqualify_reason,
        "notes": lead.notes, "next_step": lead.next_step, "next_step_due": lead.next_step_due,
        "converted_at": lead.converted_at, "person_id": lead.person_id,
        "company_id": lead.company_id, "deal_id": lead.deal_id, "owner_id": lead.owner_id,
        "score": lead.score, "score_reasons": lead.score_reasons,
        "learned_score": lead.learned_score,
        "learned_reasons": [{**r, "label": feature_label(r["feature"], lead.product_interest)}
                            for r in lead.learned_reasons],
        "custom": lead.custom or {},
        "region": lead.region, "product_interest": lead.product_interest.sku
        if lead.product_interest_id else None,
        "version": lead.version, "created_at": lead.created_at, "updated_at": lead.updated_at,
    }  # fmt: skip


def _changes(payload: Input, partial: bool) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in payload.model_dump(exclude_unset=partial).items():
        if name == "owner_id":
            if value is not None:
                changes["owner"] = value
            elif not partial:
                changes["owner"] = BY_RULES
        elif name == "product_interest":
            changes[name] = value or None
        elif name == "custom":
            changes["custom"] = value or {}
        elif value is None and name != "next_step_due":
            raise ValidationError({name: [_("This field cannot be null.")]})
        else:
            changes[name] = value
    return changes


def _filters(qs: QuerySet, request: ApiRequest, filters: LeadFilters) -> QuerySet:
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source=filters.source)
    qs = owned_by(qs, request.auth, filters.owner)
    qs, errors = filter_by_custom(qs, request.GET, "lead")
    if errors:
        raise ValidationError(errors)
    if filters.q and filters.q.strip():
        qs = search.search(qs, filters.q, cap=search.LIST_MATCH_CAP)
    return qs


LEADS = RecordQueries(Lead, select_related=("product_interest",))

add_record_routes(
    leads_router,
    queries=LEADS,
    module=__name__,
    entity="lead",
    plural="leads",
    label="a lead",
    out_schema=LeadOut,
    page_schema=LeadPage,
    create_schema=LeadCreate,
    patch_schema=LeadPatch,
    filters_schema=LeadFilters,
    list_description=(
        "Leads you can see, a page at a time. Also filters by custom field: `cf_<key>=value`."
    ),
    apply_filters=_filters,
    to_out=lead_out,
    to_changes=_changes,
    create=leads.create_lead,
    update=leads.update_lead,
    delete=leads.delete_lead,
    restore=leads.restore_lead,
    aliases=ALIASES,
)


@leads_router.post(
    "/{lead_id}/convert",
    response={200: LeadOut, **PATCH_ERRORS},
    summary="Convert a qualified lead",
    operation_id="kehu_sales_lead_api_convert_lead",
    url_name="convert_lead",
)
def convert_lead(
    request: ApiRequest,
    response: HttpResponse,
    payload: LeadConvert,
    lead_id: int = PATH_ID,
    if_match: str | None = Header(None, alias="If-Match"),
):
    """Into a person and a company (existing ones with the same email, phone or company name
    are linked instead of duplicated) and, with `make_deal`, a deal. Only once."""

    def convert(lead: Lead, version: int | None) -> Lead:
        deal: dict[str, Any] = {"name": payload.deal_name or lead.company_name or lead.name}
        if payload.amount is not None:
            deal["amount"] = payload.amount
        if payload.expected_close:
            deal["expected_close"] = payload.expected_close
        with renamed_fields(ALIASES):
            return leads.convert_lead(
                request.auth, lead, make_deal=payload.make_deal, deal=deal, expected_version=version
            )

    return lead_out(LEADS.change(request.auth, lead_id, if_match, response, convert))
