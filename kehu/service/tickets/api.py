# mypy: disable-error-code="arg-type, attr-defined"
"""REST routes for tickets (/api/v1/tickets): the record contract, and a ticket's thread
(public replies, internal notes).

Reads start from `visible_to(user)`; writes go through `service.tickets.services`.
"""

import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Field, Header, Router, Schema, Status

from kehu.core.api_support import (
    PATCH_ERRORS,
    PATH_ID,
    READ_ERRORS,
    ApiRequest,
    Input,
    PageParams,
    RowId,
    expected_version,
    set_etag,
)
from kehu.core.record_api import RecordQueries, add_record_routes
from kehu.service.tickets import queries, services
from kehu.service.tickets.models import Ticket, TicketMessage

tickets_router = Router(tags=["tickets"])

ALIASES = {"requester": "requester_id", "owner": "owner_id", "team": "team_id",
           "category": "category_id", "deal": "deal_id", "order": "order_id"}  # fmt: skip
RELATIONS = {value: key for key, value in ALIASES.items()}
STATUS = Literal["new", "open", "pending", "on_hold", "solved", "closed"]
PRIORITY = Literal["low", "normal", "high", "urgent"]
CHANNEL = Literal["email", "web", "portal", "phone", "api", "agent"]


class TicketOut(Schema):
    id: int
    reference: str = Field(description="How mail and people name the ticket, e.g. `#1234`.")
    subject: str
    description: str = Field(description="Markdown, as the customer or agent wrote it.")
    status: STATUS
    priority: PRIORITY
    channel: CHANNEL
    requester_id: int
    requester_name: str
    company_id: int | None = Field(description="The requester's company when it was set.")
    category_id: int | None
    category_name: str | None
    owner_id: int | None = Field(description="The assignee; null while unassigned.")
    team_id: int | None
    tags: list[str]
    deal_id: int | None
    order_id: int | None
    custom: dict[str, Any]
    first_response_at: datetime.datetime | None
    solved_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    reopened_count: int
    sla_policy_id: int | None
    first_response_due_at: datetime.datetime | None = Field(
        description="When the first response is due, in the team's working hours."
    )
    resolution_due_at: datetime.datetime | None = Field(
        description="When the resolution is due; it moves on by the working time the "
        "ticket waited for the customer."
    )
    sla_due_at: datetime.datetime | None = Field(
        description="The earliest target still running; null when no clock runs."
    )
    first_response_breached: bool
    resolution_breached: bool
    last_message_at: datetime.datetime
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class TicketPage(Schema):
    items: list[TicketOut]
    next_cursor: str | None


class TicketCreate(Input):
    subject: str = Field(max_length=200)
    description: str = Field("", max_length=50_000, description="Markdown.")
    requester_id: RowId = Field(description="A person you can see.")
    priority: PRIORITY = "normal"
    status: STATUS = "new"
    channel: CHANNEL = "api"
    category_id: RowId | None = None
    owner_id: RowId | None = Field(None, description="Default: unassigned.")
    team_id: RowId | None = None
    tags: list[str] = Field(default_factory=list, max_length=50)
    deal_id: RowId | None = None
    order_id: RowId | None = None
    custom: dict[str, Any] = Field(
        default_factory=dict,
        description="Custom field values by key (`GET /custom-fields?entity=ticket`).",
    )


class TicketPatch(Input):
    """Only the fields sent change; null unassigns or unlinks."""

    subject: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=50_000)
    requester_id: RowId | None = None
    priority: PRIORITY | None = None
    status: STATUS | None = None
    category_id: RowId | None = None
    owner_id: RowId | None = None
    team_id: RowId | None = None
    tags: list[str] | None = Field(None, max_length=50)
    deal_id: RowId | None = None
    order_id: RowId | None = None
    custom: dict[str, Any] | None = None


class TicketFilters(PageParams):
    """The filters of the ticket list and queues in the UI."""

    q: str | None = Field(None, max_length=200, description="Search reference, subject, requester.")
    queue: Literal["mine", "unassigned", "breaching", "pending", "open", "all"] | None = None
    status: STATUS | None = None
    priority: PRIORITY | None = None
    channel: CHANNEL | None = None
    owner: str | None = Field(
        None, pattern=r"^(me|none|[0-9]{1,18})$", description="User id, `me` or `none`."
    )
    team: int | None = Field(None, ge=1, le=2**63 - 1)
    category: int | None = Field(None, ge=1, le=2**63 - 1, description="With its subcategories.")
    requester: int | None = Field(None, ge=1, le=2**63 - 1)
    company: int | None = Field(None, ge=1, le=2**63 - 1)
    ordering: str = Field(
        "-updated_at",
        pattern=r"^-?(updated_at|created_at)$",
        description="`updated_at` or `created_at`; `-` first for descending.",
    )


def ticket_out(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "description": ticket.description,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "requester_id": ticket.requester_id,
        "requester_name": ticket.requester.name,
        "company_id": ticket.company_id,
        "category_id": ticket.category_id,
        "category_name": ticket.category.path if ticket.category else None,
        "owner_id": ticket.owner_id,
        "team_id": ticket.team_id,
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        "deal_id": ticket.deal_id,
        "order_id": ticket.order_id,
        "custom": ticket.custom or {},
        "first_response_at": ticket.first_response_at,
        "solved_at": ticket.solved_at,
        "closed_at": ticket.closed_at,
        "reopened_count": ticket.reopened_count,
        "sla_policy_id": ticket.sla_policy_id,
        "first_response_due_at": ticket.first_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "sla_due_at": ticket.sla_due_at,
        "first_response_breached": ticket.first_response_breached,
        "resolution_breached": ticket.resolution_breached,
        "last_message_at": ticket.last_message_at,
        "version": ticket.version,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
    }


def _service_changes(payload: Input, partial: bool) -> dict:
    changes: dict[str, Any] = {}
    for name, value in payload.model_dump(exclude_unset=partial).items():
        if name in RELATIONS:
            changes[RELATIONS[name]] = value
        elif name in ("subject", "description"):
            changes[name] = value if value is not None else ""
        elif name in ("custom", "tags"):
            changes[name] = value or ({} if name == "custom" else [])
        elif value is not None:
            changes[name] = value
    return changes


def _apply_filters(qs: QuerySet, request: ApiRequest, filters: TicketFilters) -> QuerySet:
    params = filters.model_dump(exclude_none=True, exclude={"limit", "cursor", "ordering"})
    return queries.apply_filters(qs, {k: str(v) for k, v in params.items()}, request.auth)


TICKETS = RecordQueries(
    Ticket,
    select_related=("requester", "category", "category__parent"),
    prefetch_related=("tags",),
)

add_record_routes(
    tickets_router,
    queries=TICKETS,
    module=__name__,
    entity="ticket",
    plural="tickets",
    label="a ticket",
    out_schema=TicketOut,
    page_schema=TicketPage,
    create_schema=TicketCreate,
    patch_schema=TicketPatch,
    filters_schema=TicketFilters,
    list_description="Tickets you can see, a page at a time; `queue` picks an agent's queue.",
    apply_filters=_apply_filters,
    to_out=ticket_out,
    to_changes=_service_changes,
    create=services.create_ticket,
    update=services.update_ticket,
    delete=services.delete_ticket,
    restore=services.restore_ticket,
    aliases=ALIASES,
)


class MessageOut(Schema):
    id: int
    kind: Literal["reply", "note"] = Field(description="`note`s are never shown to customers.")
    body: str = Field(description="Markdown.")
    author_id: int | None = Field(description="The colleague who wrote it; null: the customer.")
    person_id: int | None = Field(description="The customer who wrote it.")
    channel: CHANNEL
    mentions: list[str] = Field(description="Usernames the note mentioned (and notified).")
    created_at: datetime.datetime


class MessageList(Schema):
    items: list[MessageOut]


class MessageIn(Input):
    body: str = Field(min_length=1, max_length=50_000, description="Markdown.")
    status: STATUS | None = Field(None, description="Also set the ticket's status.")


def message_out(message: TicketMessage) -> dict:
    return {
        "id": message.pk,
        "kind": message.kind,
        "body": message.body,
        "author_id": message.author_id,
        "person_id": message.person_id,
        "channel": message.channel,
        "mentions": message.mentions or [],
        "created_at": message.created_at,
    }


def _thread(request: ApiRequest, ticket_id: int, kind: str) -> dict:
    ticket = TICKETS.visible(request.auth, ticket_id)
    messages = ticket.messages.filter(kind=kind).order_by("created_at", "id")
    return {"items": [message_out(m) for m in messages]}


def _write(
    request: ApiRequest,
    response: HttpResponse,
    ticket_id: int,
    payload: MessageIn,
    if_match: str | None,
    public: bool,
) -> dict:
    ticket = TICKETS.visible(request.auth, ticket_id)
    message = services.add_message(
        request.auth,
        ticket,
        payload.body,
        public=public,
        status=payload.status,
        expected_version=expected_version(if_match, ticket.version),
    )
    set_etag(response, TICKETS.visible(request.auth, ticket.pk).version)
    return message_out(message)


@tickets_router.get(
    "/{ticket_id}/replies",
    response={200: MessageList, **READ_ERRORS},
    summary="A ticket's public replies, oldest first",
    url_name="list_ticket_replies",
)
def list_replies(request: ApiRequest, ticket_id: int = PATH_ID):
    return _thread(request, ticket_id, TicketMessage.Kind.REPLY)


@tickets_router.post(
    "/{ticket_id}/replies",
    response={201: MessageOut, **PATCH_ERRORS},
    summary="Reply to the customer",
    url_name="add_ticket_reply",
)
def add_reply(
    request: ApiRequest,
    response: HttpResponse,
    payload: MessageIn,
    ticket_id: int = PATH_ID,
    if_match: str | None = Header(None, alias="If-Match"),
):
    return Status(201, _write(request, response, ticket_id, payload, if_match, public=True))


@tickets_router.get(
    "/{ticket_id}/notes",
    response={200: MessageList, **READ_ERRORS},
    summary="A ticket's internal notes, oldest first",
    url_name="list_ticket_notes",
)
def list_notes(request: ApiRequest, ticket_id: int = PATH_ID):
    return _thread(request, ticket_id, TicketMessage.Kind.NOTE)


@tickets_router.post(
    "/{ticket_id}/notes",
    response={201: MessageOut, **PATCH_ERRORS},
    summary="Add an internal note (never shown to the customer); @username notifies",
    url_name="add_ticket_note",
)
def add_note(
    request: ApiRequest,
    response: HttpResponse,
    payload: MessageIn,
    ticket_id: int = PATH_ID,
    if_match: str | None = Header(None, alias="If-Match"),
):
    return Status(201, _write(request, response, ticket_id, payload, if_match, public=False))
