"""REST routes of the metric catalogue (/api/v1/metrics): what each metric means, and its value
over the records the caller may see, for a period, optionally grouped by a dimension."""

import datetime
import decimal
from typing import Literal

from django.http import Http404
from ninja import Field, Path, Query, Router, Schema

from kehu.analytics import metrics
from kehu.analytics.metrics import Metric, MetricValue, Number
from kehu.core.api_support import READ_ERRORS, ApiRequest, QueryParams

metrics_router = Router(tags=["metrics"])

PeriodKind = Literal[
    "this_month", "last_month", "this_quarter", "last_quarter", "this_year", "last_year", "custom"
]


class DimensionOut(Schema):
    key: str
    label: str


class MetricOut(Schema):
    key: str
    label: str = Field(description="In the request's language.")
    unit: Literal["count", "money", "percent", "days", "hours"]
    record_type: str = Field(description="The records it counts (deal, lead, activity …).")
    domain: str
    definition: str
    formula: str
    snapshot: bool = Field(description="True: a value of now; the period does not apply.")
    dimensions: list[DimensionOut] = Field(description="What `group_by` may name.")


class MetricsOut(Schema):
    items: list[MetricOut]
    next_cursor: str | None = Field(None, description="Always null: the catalogue is one page.")


class PeriodOut(Schema):
    kind: str
    start: datetime.date
    end: datetime.date = Field(description="The last day, included.")


class GroupOut(Schema):
    key: int | str | None = Field(description="The owner, team or stage id; `2026-12` for a month.")
    label: str
    value: decimal.Decimal | None
    reason: str = Field(description="Why `value` is null (“—”): no records, no exchange rate …")


class MetricValueOut(Schema):
    key: str
    label: str
    unit: str
    currency: str | None = Field(description="The company currency, for money.")
    period: PeriodOut
    value: decimal.Decimal | None
    reason: str = Field(description="Why `value` is null (“—”): no records, no exchange rate …")
    group_by: str | None
    groups: list[GroupOut] | None


class MetricValueParams(QueryParams):
    period: PeriodKind = Field("this_month", description="In your time zone.")
    start: datetime.date | None = Field(None, description="First day of a custom period.")
    end: datetime.date | None = Field(None, description="Last day of a custom period.")
    group_by: str | None = Field(None, max_length=40, description="One of the metric's dimensions.")


def _metric_out(metric: Metric) -> dict:
    return {
        "key": metric.key,
        "label": str(metric.label),
        "unit": metric.unit,
        "record_type": metric.record_type,
        "domain": metric.domain,
        "definition": str(metric.definition),
        "formula": str(metric.formula),
        "snapshot": metric.date is None,
        "dimensions": [
            {"key": key, "label": str(metrics.dimension(key).label)} for key in metric.dimensions
        ],
    }


def _number(number: Number) -> dict:
    value = number.value
    return {"value": None if value is None else decimal.Decimal(value), "reason": number.reason}


def _value_out(result: MetricValue) -> dict:
    metric = result.metric
    groups = None
    if result.groups is not None:
        groups = [{"key": g.key, "label": g.label, **_number(g.number)} for g in result.groups]
    return {
        "key": metric.key,
        "label": str(metric.label),
        "unit": metric.unit,
        "currency": result.currency,
        "period": {"kind": result.period.kind, "start": result.period.start,
                   "end": result.period.end},
        **_number(result.total),
        "group_by": result.group_by,
        "groups": groups,
    }  # fmt: skip


@metrics_router.get("", response={200: MetricsOut, **READ_ERRORS}, summary="Metric catalogue")
def list_metrics(request: ApiRequest):
    """Every metric with its definition, formula, unit and the dimensions it groups by."""
    return {"items": [_metric_out(m) for m in metrics.metrics()], "next_cursor": None}


@metrics_router.get(
    "/{key}", response={200: MetricValueOut, **READ_ERRORS}, summary="A metric's value"
)
def get_metric_value(
    request: ApiRequest, params: Query[MetricValueParams], key: str = Path(..., max_length=60)
):
    """The metric over the records you may see in the period (this month by default, in your
    time zone), optionally grouped. Money is in the company currency; a value that cannot be
    given is null with its reason. 404 for an unknown metric, 422 for a bad period or group."""
    try:
        metrics.metric(key)
    except KeyError:
        raise Http404 from None
    period = metrics.period_for(request.auth, params.period, params.start, params.end)
    result = metrics.value(key, request.auth, period, group_by=params.group_by)
    return _value_out(result)
