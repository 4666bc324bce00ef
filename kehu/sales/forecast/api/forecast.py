"""REST route for the sales forecast (/api/v1/forecast): won, committed, weighted and best-case
amounts of a period, over the deals the user can see."""

import datetime
import decimal
from typing import Literal

from django.conf import settings
from ninja import Field, Query, Router, Schema

from kehu.core.api_support import READ_ERRORS, ApiRequest, QueryParams
from kehu.sales.forecast import services as forecast

forecast_router = Router(tags=["forecast"])
PERIOD = Field(None, max_length=7, description="`2026-Q4` or `2026-12`; default: this quarter.")


class ForecastRowOut(Schema):
    key: int | None = Field(description="Owner, team or pipeline id (null: no team).")
    label: str
    won: decimal.Decimal
    target: decimal.Decimal | None
    attainment: int | None = Field(description="Won as a percentage of the target.")
    committed: decimal.Decimal
    weighted: decimal.Decimal
    best_case: decimal.Decimal


class ForecastOut(Schema):
    period: str
    start: datetime.date
    end: datetime.date
    group: Literal["owner", "team", "pipeline"]
    currency: str
    rows: list[ForecastRowOut]
    total: ForecastRowOut


class ForecastParams(QueryParams):
    period: str | None = PERIOD
    group: Literal["owner", "team", "pipeline"] = "owner"


def _row_out(row) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "won": row.won,
        "target": row.target,
        "attainment": row.attainment,
        "committed": row.committed,
        "weighted": row.weighted,
        "best_case": row.best_case,
    }


@forecast_router.get("", response={200: ForecastOut, **READ_ERRORS}, summary="Sales forecast")
def get_forecast(request: ApiRequest, params: Query[ForecastParams]):
    """Won, committed, weighted and best-case amounts of a month or quarter, by owner, team or
    pipeline, with targets; over the deals you can see, in the company currency."""
    period = forecast.parse_period(params.period)
    result = forecast.forecast(request.auth, period, params.group)
    total = _row_out(result.total)
    total["label"] = "total"
    return {
        "period": period.label,
        "start": period.start,
        "end": period.end,
        "group": result.group,
        "currency": settings.DEFAULT_CURRENCY,
        "rows": [_row_out(r) for r in result.rows],
        "total": total,
    }
