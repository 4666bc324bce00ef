# mypy: disable-error-code="arg-type, attr-defined"
"""REST routes for deals (/api/v1/deals): the record contract, moving a deal through its
pipeline's stages, the people on a deal.

Reads start from `visible_to(user)`; writes go through `sales.deals.services`.
"""

import datetime
import decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status

from kehu.core.api_support import (
    PATCH_ERRORS,
    PATH_ID,
    WRITE_ERRORS,
    ApiRequest,
    Input,
    OwnerFilter,
    PageParams,
    RowId,
    renamed_fields,
)
from kehu.core.record_api import RecordQueries, add_record_routes
from kehu.sales.assignment.services import BY_RULES
from kehu.sales.deals import queries, services
from kehu.sales.models import Deal

deals_router = Router(tags=["deals"])

ALIASES = {"company": "company_id", "owner": "owner_id", "pipeline": "pipeline_id",
           "stage": "stage_id", "lost_reason": "lost_reason_id"}  # fmt: skip


class ContactOut(Schema):
    person_id: int
    name: str
    role: str


class DealOut(Schema):
    id: int
    name: str
    pipeline_id: int
    stage_id: int
    stage_name: str
    status: Literal["open", "won", "lost"]
    probability: int
    amount: decimal.Decimal
    currency: str
    expected_close: datetime.date | None
    company_id: int | None
    company_name: str | None
    next_step: str
    next_step_due: datetime.date | None
    lost_reason_id: int | None = Field(
        description="Why a lost deal was lost: a reason of /api/v1/lost-reasons."
    )
    lost_reason_name: str | None = Field(description="That reason's name, in your language.")
    close_reason: str = Field(
        description="Words: why it was won, or a lost reason's details (deals lost before "
        "the list of reasons existed have their whole reason here)."
    )
    stage_changed_at: datetime.datetime
    closed_at: datetime.datetime | None
    owner_id: int
    contacts: list[ContactOut] = Field(description="The people on the deal, with their roles.")
    custom: dict[str, Any] = Field(description="Custom field values by key.")
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None


class DealCreate(Input):
    name: str = Field(max_length=200)
    pipeline_id: RowId | None = Field(None, description="Default: the first active pipeline.")
    stage_id: RowId | None = Field(None, description="Default: the pipeline's first open stage.")
    amount: decimal.Decimal = Field(decimal.Decimal(0), ge=0, max_digits=16, decimal_places=2)
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="ISO 4217; default: the company currency."
    )
    expected_close: datetime.date | None = None
    company_id: RowId | None = None
    next_step: str = Field("", max_length=200)
    next_step_due: datetime.date | None = None
    lost_reason_id: RowId | None = Field(
        None, description="Needed for a lost stage: an active reason of /api/v1/lost-reasons."
    )
    close_reason: str = Field(
        "", max_length=200, description="Details; needed with the reason “Other”."
    )
    custom: dict[str, Any] = Field(
        default_factory=dict,
        description="Custom field values by key (`GET /custom-fields?entity=deal` lists them).",
    )
    owner_id: RowId | None = Field(
        None, description="Default: as the assignment rules say, or else you."
    )


class DealPatch(Input):
    """Only the fields sent change. Moving a won or lost deal needs `reopen: true`."""

    name: str | None = Field(None, max_length=200)
    pipeline_id: RowId | None = None
    stage_id: RowId | None = None
    amount: decimal.Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    expected_close: datetime.date | None = None
    company_id: RowId | None = None
    next_step: str | None = Field(None, max_length=200)
    next_step_due: datetime.date | None = None
    lost_reason_id: RowId | None = Field(None, description="An active lost reason's id.")
    close_reason: str | None = Field(None, max_length=200)
    custom: dict[str, Any] | None = Field(
        None, description="Custom field values by key; only the keys sent change, null clears."
    )
    owner_id: RowId | None = None
    reopen: bool = Field(False, description="Allow moving a won or lost deal to another stage.")


class DealMove(Input):
    stage_id: RowId
    lost_reason_id: RowId | None = Field(
        None, description="To a lost stage: an active reason of /api/v1/lost-reasons."
    )
    reason: str | None = Field(
        None,
        max_length=200,
        description="Why it was won, or a lost reason's details (needed with “Other”); words "
        "alone, without `lost_reason_id`, are kept under “Other”.",
    )
    reopen: bool = Field(False, description="Needed to move a won or lost deal.")


class DealFilters(PageParams):
    """The filters of the deal list in the UI."""

    q: str | None = Field(None, max_length=200, description="Search deal and company names.")
    pipeline: int | None = Field(None, ge=1, le=2**63 - 1, description="Pipeline id.")
    stage: int | None = Field(None, ge=1, le=2**63 - 1, description="Stage id.")
    owner: OwnerFilter = None
    company: int | None = Field(None, ge=1, le=2**63 - 1, description="Company id.")
    status: Literal["open", "won", "lost"] | None = None
    overdue: bool | None = Field(None, description="Only open deals whose next step is overdue.")
    ordering: str = Field(
        "-updated_at",
        pattern=r"^-?(name|updated_at|amount)$",
        description="`name`, `updated_at` or `amount`; `-` first for descending.",
    )


def deal_out(deal: Deal) -> dict:
    company = deal.live_company
    return {
        "id": deal.pk,
        "name": deal.name,
        "pipeline_id": deal.pipeline_id,
        "stage_id": deal.stage_id,
        "stage_name": deal.stage.name,
        "status": deal.stage.kind,
        "probability": deal.stage.probability,
        "amount": deal.amount,
        "currency": deal.currency,
        "expected_close": deal.expected_close,
        "company_id": company.pk if company else None,
        "company_name": company.name if company else None,
        "next_step": deal.next_step,
        "next_step_due": deal.next_step_due,
        "lost_reason_id": deal.lost_reason_id,
        "lost_reason_name": deal.lost_reason.display_name if deal.lost_reason else None,
        "close_reason": deal.close_reason,
        "stage_changed_at": deal.stage_changed_at,
        "closed_at": deal.closed_at,
        "owner_id": deal.owner_id,
        "contacts": [
            {"person_id": c.person_id, "name": c.person.name, "role": c.role}
            for c in deal.contacts.all()
        ],
        "custom": deal.custom or {},
        "version": deal.version,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


TEXT_FIELDS = {"name", "next_step", "close_reason"}
RELATIONS = {"company_id": "company", "owner_id": "owner", "pipeline_id": "pipeline",
             "stage_id": "stage", "lost_reason_id": "lost_reason"}  # fmt: skip


def _service_changes(payload: Input, partial: bool) -> dict:
    data = payload.model_dump(exclude_unset=partial)
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name in RELATIONS:
            if value is not None or name in ("company_id", "lost_reason_id"):
                changes[RELATIONS[name]] = value
            elif name == "owner_id" and not partial:
                changes["owner"] = BY_RULES
        elif name in TEXT_FIELDS:
            changes[name] = value if value is not None else ""
        elif name == "custom":
            changes["custom"] = value or {}
        elif name == "reopen":
            if value:
                changes["reopen"] = True
        elif name == "currency" and value is None:
            continue
        elif name == "amount" and value is None:
            raise ValidationError({"amount": [_("Enter an amount such as 12800.00.")]})
        else:
            changes[name] = value
    return changes


def _apply_filters(qs: QuerySet, request: ApiRequest, filters: DealFilters) -> QuerySet:
    params = filters.model_dump(exclude_none=True, exclude={"limit", "cursor", "ordering"})
    if params.get("overdue") is not None:
        params["overdue"] = "1" if params["overdue"] else ""
    return queries.apply_filters(qs, {k: str(v) for k, v in params.items()}, request.auth)


DEALS = RecordQueries(
    Deal,
    select_related=("stage", "company", "lost_reason"),
    prefetch_related=("contacts__person",),
)

add_record_routes(
    deals_router,
    queries=DEALS,
    module=__name__,
    entity="deal",
    plural="deals",
    label="a deal",
    out_schema=DealOut,
    page_schema=DealPage,
    create_schema=DealCreate,
    patch_schema=DealPatch,
    filters_schema=DealFilters,
    list_description="Deals you can see, a page at a time.",
    apply_filters=_apply_filters,
    to_out=deal_out,
    to_changes=_service_changes,
    create=services.create_deal,
    update=services.update_deal,
    delete=services.delete_deal,
    restore=services.restore_deal,
    aliases=ALIASES,
)


@deals_router.post(
    "/{deal_id}/move",
    response={200: DealOut, **PATCH_ERRORS},
    summary="Move a deal to another stage",
    operation_id="kehu_sales_api_move_deal",
    url_name="move_deal",
)
def move_deal(
    request: ApiRequest,
    response: HttpResponse,
    payload: DealMove,
    deal_id: int = PATH_ID,
    if_match: str | None = Header(None, alias="If-Match"),
):
    def move(deal: Deal, version: int | None) -> Deal:
        with renamed_fields(ALIASES):
            if payload.reopen and deal.is_closed:
                return services.reopen_deal(request.auth, deal, payload.stage_id, version)
            if payload.reopen:
                raise ValidationError({"reopen": [_("Only a won or lost deal can be reopened.")]})
            return services.move_deal(
                request.auth,
                deal,
                payload.stage_id,
                version,
                reason=payload.reason,
                lost_reason=payload.lost_reason_id,
            )

    return deal_out(DEALS.change(request.auth, deal_id, if_match, response, move))


class ContactIn(Input):
    person_id: RowId
    role: str = Field("", max_length=100, description="e.g. decision maker, buyer, user")


@deals_router.post(
    "/{deal_id}/contacts",
    response={200: DealOut, **WRITE_ERRORS},
    summary="Add a person to a deal, or change their role",
    operation_id="kehu_sales_api_set_deal_contact",
    url_name="set_deal_contact",
)
def set_deal_contact(request: ApiRequest, payload: ContactIn, deal_id: int = PATH_ID):
    deal = DEALS.visible(request.auth, deal_id)
    with renamed_fields({"person": "person_id"}):
        services.set_contact(request.auth, deal, payload.person_id, payload.role)
    return deal_out(DEALS.visible(request.auth, deal_id))


@deals_router.delete(
    "/{deal_id}/contacts/{person_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Take a person off a deal",
    operation_id="kehu_sales_api_remove_deal_contact",
    url_name="remove_deal_contact",
)
def remove_deal_contact(
    request: ApiRequest,
    deal_id: int = PATH_ID,
    person_id: int = PATH_ID,
):
    deal = DEALS.visible(request.auth, deal_id)
    with renamed_fields({"person": "person_id"}):
        services.remove_contact(request.auth, deal, person_id)
    return Status(204, None)
