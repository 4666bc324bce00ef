# mypy: disable-error-code="no-untyped-def, valid-type"
"""REST routes of saved reports (/api/v1/reports). Writes go through `reports.services`; a run
is always over the records the caller may see, whoever saved the report."""

from typing import Any, Literal

from django.http import HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status

from kehu.analytics.reports import definition as definitions
from kehu.analytics.reports import running, services
from kehu.analytics.reports.models import Report
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

reports_router = Router(tags=["reports"])
ID = Path(..., ge=1, le=2**63 - 1)
Sharing = Literal["private", "team", "everyone"]

DEFINITION_HELP = (
    '{"record_type": "deal", "condition": {"all": [...]}, "group_by": ["owner", '
    '"closed_at:month"], "measure": {"how": "sum", "field": "amount"}, "chart": "bar"}. '
    "record_type: a record type of the condition language; group_by: at most two dimensions "
    "(a user, team, stage, pipeline, choice or tags field, or a date field with :day, :week, "
    ":month, :quarter or :year); measure.how: count, sum, avg, median, min or max of a number "
    "field (money in the company currency); chart: bar, stacked_bar, line, pie, donut, funnel, "
    "table or pivot. See docs/reports.md."
)


class ReportOut(Schema):
    id: int
    name: str
    definition: dict[str, Any]
    sharing: Sharing = Field(description="Who may open it; each runs it over their own records.")
    owner_id: int
    editable: bool = Field(description="Whether you may change or delete it.")
    version: int = Field(description='Goes up with every change; also the ETag, e.g. W/"3".')


class ReportPage(Schema):
    items: list[ReportOut]
    next_cursor: str | None


class ReportFilters(PageParams):
    mine: bool | None = Field(None, description="true: only yours; false: only shared with you.")


class ReportCreate(Input):
    name: str = Field(max_length=100)
    definition: dict[str, Any] = Field(description=DEFINITION_HELP)
    sharing: Sharing = "private"


class ReportPatch(Input):
    name: str | None = Field(None, max_length=100)
    definition: dict[str, Any] | None = Field(None, description=DEFINITION_HELP)
    sharing: Sharing | None = None


class KeyLabel(Schema):
    key: str
    label: str


class MeasureOut(Schema):
    key: str
    label: str
    unit: Literal["count", "money"]
    currency: str = Field(description="The company currency for money; empty otherwise.")


class RowOut(Schema):
    keys: list[int | str | None] = Field(
        description="One key per dimension (an id, a choice, 2026-12)."
    )
    labels: list[str]
    value: int | str | None = Field(
        description="A count (whole number) or an exact decimal as text; null: no value."
    )
    reason: str = Field(description="Why `value` is null (“—”): no records, no exchange rate …")


class TotalOut(Schema):
    value: int | str | None = Field(
        description="A count (whole number) or an exact decimal as text; null: no value."
    )
    reason: str


class DimensionTotalOut(Schema):
    key: int | str | None
    label: str
    value: int | str | None = Field(
        description="A count (whole number) or an exact decimal as text; null: no value."
    )
    reason: str


class RunOut(Schema):
    dimensions: list[KeyLabel]
    measure: MeasureOut
    rows: list[RowOut]
    total: TotalOut
    truncated: bool = Field(description="Only the first `max_groups` groups are given.")
    max_groups: int
    totals: list[list[DimensionTotalOut]] = Field(
        description="With two dimensions: each dimension's own totals."
    )


def report_out(report: Report, user) -> dict:
    return {
        "id": report.pk,
        "name": report.name,
        "definition": report.definition,
        "sharing": report.sharing,
        "owner_id": report.owner_id,
        "editable": services.may_change(user, report),
        "version": report.version,
    }


@reports_router.get("", response={200: ReportPage, **READ_ERRORS}, summary="List reports")
def list_reports(request: ApiRequest, filters: Query[ReportFilters]):
    """Your reports and those shared with your team or everyone."""
    qs = services.visible_reports(request.auth)
    if filters.mine is True:
        qs = qs.filter(owner=request.auth)
    elif filters.mine is False:
        qs = qs.exclude(owner=request.auth)
    page = page_of(qs, "id", filters)
    return {
        "items": [report_out(r, request.auth) for r in page.items],
        "next_cursor": page.next_cursor,
    }


@reports_router.post("", response={201: ReportOut, **CREATE_ERRORS}, summary="Save a report")
def create_report(request: ApiRequest, response: HttpResponse, payload: ReportCreate):
    """A bad definition answers 422 naming the place at fault (`definition.group_by.0`)."""
    report = services.create_report(request.auth, payload.model_dump())
    set_etag(response, report.version)
    return Status(201, report_out(report, request.auth))


@reports_router.get(
    "/{report_id}", response={200: ReportOut, **READ_ERRORS}, openapi_extra=WITH_ETAG,
    summary="Read a report",
)  # fmt: skip
def get_report(request: ApiRequest, response: HttpResponse, report_id: int = ID):
    report = services.get_visible(request.auth, report_id)
    set_etag(response, report.version)
    return report_out(report, request.auth)


@reports_router.get(
    "/{report_id}/run", response={200: RunOut, **READ_ERRORS},
    summary="Run a report over the records you may see",
)  # fmt: skip
def run_report(request: ApiRequest, report_id: int = ID):
    """The numbers for the caller: a report shared with you counts only your records."""
    report = services.get_visible(request.auth, report_id)
    parsed = definitions.parse(report.definition)
    return running.run(parsed, request.auth).as_json()


@reports_router.patch(
    "/{report_id}", response={200: ReportOut, **PATCH_ERRORS}, openapi_extra=WITH_ETAG,
    summary="Change a report (its owner)",
)  # fmt: skip
def update_report(
    request: ApiRequest,
    response: HttpResponse,
    payload: ReportPatch,
    report_id: int = ID,
    if_match: str | None = IF_MATCH,
):
    """Send `If-Match` with the ETag you read: if the report changed since, the answer is 412."""
    report = services.get_visible(request.auth, report_id)
    changes = {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    version = expected_version(if_match, report.version)
    report = services.update_report(request.auth, report, changes, version)
    set_etag(response, report.version)
    return report_out(report, request.auth)


@reports_router.delete(
    "/{report_id}", response={204: None, **READ_ERRORS}, summary="Delete a report (its owner)"
)
def delete_report(request: ApiRequest, report_id: int = ID):
    services.delete_report(request.auth, services.get_visible(request.auth, report_id))
    return Status(204, None)
