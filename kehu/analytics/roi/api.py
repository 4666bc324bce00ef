# mypy: disable-error-code="no-untyped-def"
"""REST routes of the ROI page (/api/v1/roi): read the comparison and the ROI line
(administrators and managers), and change the inputs (administrators, with If-Match)."""

import datetime
import decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from kehu.analytics.metrics import Number
from kehu.analytics.roi import compute, services
from kehu.core.api_support import (
    IF_MATCH,
    PATCH_ERRORS,
    READ_ERRORS,
    WITH_ETAG,
    ApiRequest,
    Input,
    QueryParams,
    expected_version,
    set_etag,
)

roi_router = Router(tags=["roi"])


class RoiNumberOut(Schema):
    value: decimal.Decimal | None
    reason: str = Field(description="Why `value` is null (“—”).")


class RoiOutcomeOut(Schema):
    metric: str
    label: str
    unit: str
    before: RoiNumberOut
    after: RoiNumberOut
    change: RoiNumberOut = Field(description="after − before, in the metric's unit.")
    better: bool | None


class RoiInputsOut(Schema):
    hosting_monthly: decimal.Decimal
    staff_hours_monthly: decimal.Decimal
    hourly_rate: decimal.Decimal
    training_monthly: decimal.Decimal
    gross_margin_percent: decimal.Decimal | None
    version: int
    editable: bool


class RoiLineOut(Schema):
    cost_monthly: decimal.Decimal = Field(description="hosting + staff hours × rate + training")
    revenue_before_monthly: RoiNumberOut
    revenue_after_monthly: RoiNumberOut
    gain_monthly: RoiNumberOut = Field(description="(after − before) × gross margin (or × 1)")
    roi_percent: RoiNumberOut = Field(description="(gain − cost) ÷ cost × 100")


class RoiPeriodsOut(Schema):
    before_start: datetime.date
    before_end: datetime.date
    after_start: datetime.date
    after_end: datetime.date
    go_live: datetime.date | None


class RoiOut(Schema):
    currency: str
    inputs: RoiInputsOut
    periods: RoiPeriodsOut | None = Field(description="null before anyone used Kehu.")
    outcomes: list[RoiOutcomeOut]
    roi: RoiLineOut | None


class RoiParams(QueryParams):
    before_start: datetime.date | None = None
    before_end: datetime.date | None = None
    after_start: datetime.date | None = None
    after_end: datetime.date | None = None


class RoiInputsIn(Input):
    hosting_monthly: decimal.Decimal = Field(ge=0, le=services.MAX_MONEY)
    staff_hours_monthly: decimal.Decimal = Field(ge=0, le=services.MAX_HOURS)
    hourly_rate: decimal.Decimal = Field(ge=0, le=services.MAX_MONEY)
    training_monthly: decimal.Decimal = Field(ge=0, le=services.MAX_MONEY)
    gross_margin_percent: decimal.Decimal | None = Field(None, ge=0, le=100)


def _number(number: Number) -> dict:
    value = number.value
    return {"value": None if value is None else decimal.Decimal(value), "reason": number.reason}


def _out(viewer, query: dict) -> dict:
    inputs = services.current_inputs(viewer)
    chosen, errors = compute.periods(viewer, query)
    if errors:
        raise ValidationError(errors)
    body: dict = {
        "currency": settings.DEFAULT_CURRENCY,
        "inputs": {**{f: getattr(inputs, f) for f in services.FIELDS},
                   "version": inputs.version, "editable": services.may_change(viewer)},
        "periods": None, "outcomes": [], "roi": None,
    }  # fmt: skip
    if chosen is None:
        return body
    rows = compute.comparison(viewer, chosen)
    body["periods"] = {"before_start": chosen.before.start, "before_end": chosen.before.end,
                       "after_start": chosen.after.start, "after_end": chosen.after.end,
                       "go_live": chosen.go_live}  # fmt: skip
    body["outcomes"] = [
        {"metric": r.metric.key, "label": str(r.metric.label), "unit": r.metric.unit,
         "before": _number(r.before), "after": _number(r.after), "change": _number(r.change),
         "better": r.better}
        for r in rows
    ]  # fmt: skip
    revenue = next(r for r in rows if r.metric.key == "revenue_won")
    line = compute.roi(inputs, chosen, revenue)
    body["roi"] = {
        "cost_monthly": line.cost,
        "revenue_before_monthly": _number(line.revenue_before),
        "revenue_after_monthly": _number(line.revenue_after),
        "gain_monthly": _number(line.gain),
        "roi_percent": _number(line.roi),
    }
    return body


@roi_router.get(
    "", response={200: RoiOut, **READ_ERRORS}, openapi_extra=WITH_ETAG,
    summary="Is the CRM paying off?",
)  # fmt: skip
def get_roi(request: ApiRequest, response: HttpResponse, params: Query[RoiParams]):
    """Outcomes since go-live (or the two periods given, all four dates) over the records you
    may see, and the ROI line. Administrators and managers; 403 for others."""
    query = {k: v.isoformat() for k, v in params.model_dump().items() if v is not None}
    body = _out(request.auth, query)
    set_etag(response, body["inputs"]["version"])
    return body


@roi_router.put(
    "", response={200: RoiOut, **PATCH_ERRORS}, openapi_extra=WITH_ETAG,
    summary="Change the ROI inputs",
)  # fmt: skip
def put_roi(
    request: ApiRequest,
    response: HttpResponse,
    payload: RoiInputsIn,
    if_match: str | None = IF_MATCH,
):
    """Administrators. Send `If-Match` with the ETag read: 412 when someone saved since."""
    current = services.current_inputs(request.auth)
    version = expected_version(if_match, current.version)
    services.save_inputs(request.auth, payload.model_dump(), version)
    body = _out(request.auth, {})
    set_etag(response, body["inputs"]["version"])
    return body
