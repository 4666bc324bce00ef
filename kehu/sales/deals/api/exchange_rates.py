"""Read-only REST route for the exchange rates deals are totalled with (/api/v1/exchange-rates):
readable by everyone in sales; administrators set them on the settings pages."""

import datetime
import decimal

from ninja import Field, Router, Schema

from kehu.core import visibility
from kehu.core.api_support import READ_ERRORS, ApiRequest
from kehu.sales.models import ExchangeRate

rates_router = Router(tags=["exchange rates"])


class RateOut(Schema):
    currency: str
    rate: decimal.Decimal = Field(description="Company currency units per unit of `currency`.")
    updated_at: datetime.datetime


class RatePage(Schema):
    items: list[RateOut]
    next_cursor: str | None = Field(None, description="Always null: every rate at once.")


@rates_router.get("", response={200: RatePage, **READ_ERRORS}, summary="List exchange rates")
def list_rates(request: ApiRequest):
    visibility.require(request.auth, "sales", "read")
    rates = ExchangeRate.objects.values("currency", "rate", "updated_at")
    return {"items": list(rates), "next_cursor": None}
