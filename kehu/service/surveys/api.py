"""REST routes for surveys: /api/v1/surveys (everyone who reads tickets reads them;
administrators add and change them) and /api/v1/survey-responses (the invitations and the
answers, read only, as `visible_to` the user: an agent sees their tickets' answers)."""

import datetime
from typing import Any, Literal

from django.http import Http404, HttpResponse
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
    RowId,
    expected_version,
    page_of,
    set_etag,
)
from kehu.service.surveys import setup
from kehu.service.surveys.models import NAME_MAX_LENGTH, Survey, SurveyResponse

surveys_router = Router(tags=["surveys"])
survey_responses_router = Router(tags=["surveys"])
KIND = Literal["csat", "nps"]


class SurveyOut(Schema):
    id: int
    kind: KIND
    name: str
    condition: dict[str, Any] = Field(description="Who is asked (NPS): a condition on people.")
    every_days: int
    active: bool
    last_sent_at: datetime.datetime | None
    version: int


class SurveyPage(Schema):
    items: list[SurveyOut]
    next_cursor: str | None = Field(None, description="Always null: every survey at once.")


class SurveyCreate(Input):
    kind: KIND = "nps"
    name: str = Field(max_length=NAME_MAX_LENGTH)
    condition: dict[str, Any] = Field(default_factory=dict)
    every_days: int = Field(90, ge=1, le=setup.MAX_EVERY_DAYS)
    active: bool = True


class SurveyPatch(Input):
    name: str | None = Field(None, max_length=NAME_MAX_LENGTH)
    condition: dict[str, Any] | None = None
    every_days: int | None = Field(None, ge=1, le=setup.MAX_EVERY_DAYS)
    active: bool | None = None


class ResponseOut(Schema):
    id: int
    kind: KIND
    survey_id: int
    ticket_id: int | None
    person_id: int
    owner_id: int | None = Field(description="The ticket's agent (CSAT), the person's owner (NPS).")
    team_id: int | None
    mail_status: Literal["queued", "sent", "failed"]
    sent_at: datetime.datetime
    answered_at: datetime.datetime | None
    score: int | None
    comment: str


class ResponsePage(Schema):
    items: list[ResponseOut]
    next_cursor: str | None


class ResponseFilters(PageParams):
    kind: KIND | None = None
    ticket: RowId | None = None
    person: RowId | None = None
    answered: bool | None = Field(None, description="Only answered (true) or not (false).")


def survey_out(survey: Survey) -> dict:
    return {name: getattr(survey, name) for name in SurveyOut.model_fields}


def response_out(response: SurveyResponse) -> dict:
    return {name: getattr(response, name) for name in ResponseOut.model_fields}


def _survey(pk: int) -> Survey:
    survey = Survey.objects.filter(pk=pk).first()
    if survey is None:
        raise Http404
    return survey


@surveys_router.get("", response={200: SurveyPage, **READ_ERRORS}, summary="List the surveys")
def list_surveys(request: ApiRequest):
    visibility.require(request.auth, "service", "read")
    return {"items": [survey_out(s) for s in Survey.objects.all()], "next_cursor": None}


@surveys_router.get(
    "/{survey_id}",
    response={200: SurveyOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read a survey",
)
def get_survey(request: ApiRequest, response: HttpResponse, survey_id: int = PATH_ID):
    visibility.require(request.auth, "service", "read")
    survey = _survey(survey_id)
    set_etag(response, survey.version)
    return survey_out(survey)


@surveys_router.post(
    "", response={201: SurveyOut, **CREATE_ERRORS}, summary="Add a survey (administrators)"
)
def create_survey(request: ApiRequest, response: HttpResponse, payload: SurveyCreate):
    survey = setup.create_survey(request.auth, payload.model_dump())
    set_etag(response, survey.version)
    return Status(201, survey_out(survey))


@surveys_router.patch(
    "/{survey_id}",
    response={200: SurveyOut, **PATCH_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Change a survey or switch it on or off (administrators)",
)
def update_survey(
    request: ApiRequest,
    response: HttpResponse,
    payload: SurveyPatch,
    survey_id: int = PATH_ID,
    if_match: str | None = IF_MATCH,
):
    from kehu.accounts.services import require_admin

    require_admin(request.auth)
    survey = _survey(survey_id)
    version = expected_version(if_match, survey.version)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    survey = setup.update_survey(request.auth, survey, changes, version)
    set_etag(response, survey.version)
    return survey_out(survey)


@survey_responses_router.get(
    "", response={200: ResponsePage, **READ_ERRORS}, summary="List survey responses"
)
def list_survey_responses(request: ApiRequest, filters: Query[ResponseFilters]):
    """The invitations and answers you can see (those of tickets you see), newest first."""
    qs = SurveyResponse.objects.visible_to(request.auth)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.ticket:
        qs = qs.filter(ticket_id=filters.ticket)
    if filters.person:
        qs = qs.filter(person_id=filters.person)
    if filters.answered is not None:
        qs = qs.filter(answered_at__isnull=not filters.answered)
    page = page_of(qs, "-sent_at", filters)
    return {"items": [response_out(r) for r in page.items], "next_cursor": page.next_cursor}


@survey_responses_router.get(
    "/{response_id}",
    response={200: ResponseOut, **READ_ERRORS},
    openapi_extra=WITH_ETAG,
    summary="Read a survey response",
)
def get_survey_response(request: ApiRequest, response: HttpResponse, response_id: int = PATH_ID):
    found = SurveyResponse.objects.visible_to(request.auth).filter(pk=response_id).first()
    if found is None:
        raise Http404
    set_etag(response, found.version)
    return response_out(found)
