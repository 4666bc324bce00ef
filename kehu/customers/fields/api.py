# mypy: disable-error-code="valid-type"
"""REST routes for custom field definitions (/api/v1/custom-fields): administrators define them,
everyone reads them. Writes go through `customers.fields.services`.
"""

from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from kehu.accounts.services import require_admin
from kehu.core.api_support import (
    CREATE_ERRORS,
    IF_MATCH,
    PATCH_ERRORS,
    READ_ERRORS,
    WITH_ETAG,
    ApiRequest,
    Input,
    PageParams,
    expected_version,
    page_of,
    set_etag,
)
from kehu.customers.fields import services as field_services
from kehu.customers.models import CustomField

custom_fields_router = Router(tags=["custom fields"])
ID = Path(..., ge=1, le=2**63 - 1)

FieldType = Literal[tuple(CustomField.Type.values)]
Entity = Literal[tuple(CustomField.Entity.values)]


class CustomFieldOut(Schema):
    id: int
    entity: str
    key: str
    label: str
    label_zh: str
    type: str
    choices: list[str]
    required: bool
    position: int
    active: bool
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')


class CustomFieldPage(Schema):
    items: list[CustomFieldOut]
    next_cursor: str | None


class CustomFieldFilters(PageParams):
    entity: Entity | None = Field(None, description="Only these records' fields.")
    active: bool | None = None


class CustomFieldCreate(Input):
    entity: Entity
    key: str = Field(
        "",
        max_length=40,
        description="Lower-case letters, digits, underscores; default: made from the label.",
    )
    label: str = Field(max_length=100)
    label_zh: str = Field("", max_length=100)
    type: FieldType
    choices: list[str] = Field(default_factory=list, max_length=200)
    required: bool = False
    position: int = Field(0, ge=0, le=2_147_483_647)
    active: bool = True


class CustomFieldPatch(Input):
    """The key, entity and type stay as created: stored values depend on them."""

    label: str | None = Field(None, max_length=100)
    label_zh: str | None = Field(None, max_length=100)
    choices: list[str] | None = Field(None, max_length=200)
    required: bool | None = None
    position: int | None = Field(None, ge=0, le=2_147_483_647)
    active: bool | None = None


def custom_field_out(field: CustomField) -> dict:
    return {
        "id": field.pk,
        "entity": field.entity,
        "key": field.key,
        "label": field.label,
        "label_zh": field.label_zh,
        "type": field.type,
        "choices": list(field.choices or []),
        "required": field.required,
        "position": field.position,
        "active": field.active,
        "version": field.version,
    }


def _definition(pk: int) -> CustomField:
    field = CustomField.objects.filter(pk=pk).first()
    if field is None:
        raise Http404
    return field


@custom_fields_router.get(
    "", response={200: CustomFieldPage, **READ_ERRORS}, summary="List custom field definitions"
)
def list_custom_fields(request: ApiRequest, filters: Query[CustomFieldFilters]):
    qs = CustomField.objects.all()
    if filters.entity:
        qs = qs.filter(entity=filters.entity)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    page = page_of(qs, "position", filters)
    return {"items": [custom_field_out(f) for f in page.items], "next_cursor": page.next_cursor}


@custom_fields_router.get(
    "/{field_id}",
    response={200: CustomFieldOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read a custom field definition",
)
def get_custom_field(request: ApiRequest, response: HttpResponse, field_id: int = ID):
    field = _definition(field_id)
    set_etag(response, field.version)
    return custom_field_out(field)


@custom_fields_router.post(
    "",
    response={201: CustomFieldOut, **CREATE_ERRORS},
    summary="Define a custom field (administrators)",
)
def create_custom_field(request: ApiRequest, response: HttpResponse, payload: CustomFieldCreate):
    require_admin(request.auth)
    field = field_services.create_field(request.auth, payload.model_dump())
    set_etag(response, field.version)
    return Status(201, custom_field_out(field))


@custom_fields_router.patch(
    "/{field_id}",
    response={200: CustomFieldOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Change a custom field definition (administrators)",
)
def update_custom_field(
    request: ApiRequest,
    response: HttpResponse,
    payload: CustomFieldPatch,
    field_id: int = ID,
    if_match: str | None = IF_MATCH,
):
    """Send `If-Match` with the ETag you read: if someone changed the definition since, the
    answer is 412 and nothing is changed."""
    require_admin(request.auth)
    changes = payload.model_dump(exclude_unset=True)
    nulls = [n for n in ("required", "position", "active") if n in changes and changes[n] is None]
    if nulls:
        raise ValidationError({name: [_("This field may not be null.")] for name in nulls})
    field = _definition(field_id)
    version = expected_version(if_match, field.version)
    field = field_services.update_field(request.auth, field, changes, version)
    set_etag(response, field.version)
    return custom_field_out(field)


@custom_fields_router.delete(
    "/{field_id}",
    response={204: None, **READ_ERRORS},
    summary="Deactivate a custom field (administrators; stored values are kept)",
)
def delete_custom_field(request: ApiRequest, field_id: int = ID):
    require_admin(request.auth)
    field_services.deactivate_field(request.auth, _definition(field_id))
    return Status(204, None)
