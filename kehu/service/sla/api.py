"""REST routes for SLA policies (/api/v1/sla-policies): everyone who reads tickets reads the
policies; administrators add and change them. Writes go through `service.sla.services`."""

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
    set_etag,
)
from kehu.service.sla import services
from kehu.service.sla.models import SlaPolicy

sla_policies_router = Router(tags=["SLA policies"])
PRIORITY = Field("", pattern=r"^(|low|normal|high|urgent)$", description="Empty: every priority.")


class PolicyOut(Schema):
    id: int
    name: str
    priority: str = Field(description="`low` … `urgent`; empty: every priority.")
    tier_tag_id: int | None = Field(description="A company tag (the customer tier); null: all.")
    first_response_minutes: int = Field(description="Working minutes of the team's calendar.")
    resolution_minutes: int
    warn_minutes: int = Field(description="The assignee is warned this long before a target.")
    escalate_to_id: int | None = Field(description="At a breach the ticket goes to them.")
    raise_priority: bool = Field(description="At a breach the priority goes up one step.")
    position: int = Field(description="The first active policy in order that fits applies.")
    active: bool
    version: int


class PolicyPage(Schema):
    items: list[PolicyOut]
    next_cursor: str | None = Field(None, description="Always null: every policy at once.")


class PolicyCreate(Input):
    name: str = Field(max_length=100)
    priority: str = PRIORITY
    tier_tag_id: RowId | None = None
    first_response_minutes: int = Field(ge=1, le=525600)
    resolution_minutes: int = Field(ge=1, le=525600)
    warn_minutes: int = Field(30, ge=0, le=525600)
    escalate_to_id: RowId | None = None
    raise_priority: bool = False
    position: int = Field(0, ge=0, le=525600)
    active: bool = True


class PolicyPatch(Input):
    name: str | None = Field(None, max_length=100)
    priority: str | None = Field(None, pattern=r"^(|low|normal|high|urgent)$")
    tier_tag_id: RowId | None = None
    first_response_minutes: int | None = Field(None, ge=1, le=525600)
    resolution_minutes: int | None = Field(None, ge=1, le=525600)
    warn_minutes: int | None = Field(None, ge=0, le=525600)
    escalate_to_id: RowId | None = None
    raise_priority: bool | None = None
    position: int | None = Field(None, ge=0, le=525600)
    active: bool | None = None


def policy_out(policy: SlaPolicy) -> dict:
    return {
        "id": policy.pk,
        "name": policy.name,
        "priority": policy.priority,
        "tier_tag_id": policy.tier_tag_id,
        "first_response_minutes": policy.first_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
        "warn_minutes": policy.warn_minutes,
        "escalate_to_id": policy.escalate_to_id,
        "raise_priority": policy.raise_priority,
        "position": policy.position,
        "active": policy.active,
        "version": policy.version,
    }


def _changes(payload: Input, partial: bool) -> dict:
    data = payload.model_dump(exclude_unset=partial)
    renamed = {"tier_tag_id": "tier_tag", "escalate_to_id": "escalate_to"}
    changes = {renamed.get(k, k): v for k, v in data.items()}
    keep_null = {"tier_tag", "escalate_to"}
    return {k: v for k, v in changes.items() if v is not None or k in keep_null}


def _policy(pk: int) -> SlaPolicy:
    policy = SlaPolicy.objects.filter(pk=pk).first()
    if policy is None:
        raise Http404
    return policy


@sla_policies_router.get(
    "", response={200: PolicyPage, **READ_ERRORS}, summary="List the SLA policies"
)
def list_sla_policies(request: ApiRequest):
    visibility.require(request.auth, "service", "read")
    return {"items": [policy_out(p) for p in SlaPolicy.objects.all()], "next_cursor": None}


@sla_policies_router.get(
    "/{policy_id}",
    response={200: PolicyOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read an SLA policy",
)
def get_sla_policy(request: ApiRequest, response: HttpResponse, policy_id: int = PATH_ID):
    visibility.require(request.auth, "service", "read")
    policy = _policy(policy_id)
    set_etag(response, policy.version)
    return policy_out(policy)


@sla_policies_router.post(
    "", response={201: PolicyOut, **CREATE_ERRORS}, summary="Add an SLA policy (administrators)"
)
def create_sla_policy(request: ApiRequest, response: HttpResponse, payload: PolicyCreate):
    policy = services.save_policy(request.auth, None, _changes(payload, False))
    set_etag(response, policy.version)
    return Status(201, policy_out(policy))


@sla_policies_router.patch(
    "/{policy_id}",
    response={200: PolicyOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Change an SLA policy (administrators); open tickets' due times follow",
)
def update_sla_policy(
    request: ApiRequest,
    response: HttpResponse,
    payload: PolicyPatch,
    policy_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    from kehu.accounts.services import require_admin

    require_admin(request.auth)
    policy = _policy(policy_id)
    version = expected_version(if_match, policy.version)
    policy = services.save_policy(request.auth, policy, _changes(payload, True), version)
    set_etag(response, policy.version)
    return policy_out(policy)
