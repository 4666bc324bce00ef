"""REST routes for email templates (/api/v1/email-templates): everyone who reads customers
reads them, administrators change them, through `mail_templates`."""

import datetime

from django.http import Http404, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from kehu.activities.models import SUBJECT_MAX_LENGTH
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
from kehu.mail import templating as mail_templates
from kehu.mail.models import EmailTemplate

email_templates_router = Router(tags=["email templates"])

ID = Path(..., ge=1, le=2**63 - 1)


class TemplateOut(Schema):
    id: int
    name: str
    subject: str
    body: str = Field(description="Plain text with placeholders such as {{ person.name }}.")
    active: bool
    updated_at: datetime.datetime
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')


class TemplatePage(Schema):
    items: list[TemplateOut]
    next_cursor: str | None


class TemplateFilters(PageParams):
    active: bool | None = Field(None, description="Only active (`true`) or inactive ones.")


class TemplateIn(Input):
    name: str = Field(min_length=1, max_length=mail_templates.NAME_MAX_LENGTH)
    subject: str = Field(min_length=1, max_length=SUBJECT_MAX_LENGTH)
    body: str = Field(min_length=1, max_length=mail_templates.TEMPLATE_BODY_MAX_LENGTH)
    active: bool = True


class TemplatePatch(Input):
    name: str | None = Field(None, min_length=1, max_length=mail_templates.NAME_MAX_LENGTH)
    subject: str | None = Field(None, min_length=1, max_length=SUBJECT_MAX_LENGTH)
    body: str | None = Field(None, min_length=1, max_length=mail_templates.TEMPLATE_BODY_MAX_LENGTH)
    active: bool | None = None


def template_out(template: EmailTemplate) -> dict:
    return {name: getattr(template, name) for name in TemplateOut.model_fields}


def _template(user, pk: int) -> EmailTemplate:
    mail_templates.require_template_reader(user)
    template = EmailTemplate.objects.filter(pk=pk).first()
    if template is None:
        raise Http404
    return template


@email_templates_router.get(
    "", response={200: TemplatePage, **READ_ERRORS}, summary="List email templates"
)
def list_templates(request: ApiRequest, filters: Query[TemplateFilters]):
    """Everyone who reads customers; by name."""
    mail_templates.require_template_reader(request.auth)
    qs = EmailTemplate.objects.all()
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    page = page_of(qs, "name", filters)
    return {"items": [template_out(t) for t in page.items], "next_cursor": page.next_cursor}


@email_templates_router.post(
    "", response={201: TemplateOut, **CREATE_ERRORS}, summary="Add an email template"
)
def create_template(request: ApiRequest, response: HttpResponse, payload: TemplateIn):
    """Administrators only. An unknown placeholder is refused (422)."""
    template = mail_templates.save_template(request.auth, None, payload.dict())
    set_etag(response, template.version)
    return Status(201, template_out(template))


@email_templates_router.get(
    "/{template_id}",
    response={200: TemplateOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read an email template",
)
def get_template(request: ApiRequest, response: HttpResponse, template_id: int = ID):
    template = _template(request.auth, template_id)
    set_etag(response, template.version)
    return template_out(template)


@email_templates_router.patch(
    "/{template_id}",
    response={200: TemplateOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Change an email template",
)
def update_template(
    request: ApiRequest,
    response: HttpResponse,
    payload: TemplatePatch,
    template_id: int = ID,
    if_match: str | None = IF_MATCH,
):
    """Administrators only. Send `If-Match` with the ETag you read: if someone changed the
    template since, the answer is 412 and nothing is changed."""
    template = _template(request.auth, template_id)
    version = expected_version(if_match, template.version)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    saved = mail_templates.save_template(request.auth, template, changes, version)
    set_etag(response, saved.version)
    return template_out(saved)


@email_templates_router.delete(
    "/{template_id}", response={204: None, **READ_ERRORS}, summary="Remove an email template"
)
def delete_template(request: ApiRequest, template_id: int = ID):
    """Administrators only; emails written from it keep their text."""
    mail_templates.delete_template(request.auth, _template(request.auth, template_id))
    return Status(204, None)
