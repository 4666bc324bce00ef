"""What the built-in widgets share: formatting a catalogue number, the periods they read, and
the links to the list pages (filtered to the records behind a number)."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from kehu.analytics.metrics import Number, Period, period_for
from kehu.web.charts import format_value

CURRENCY_UNITS = ("money",)


def text(number: Number | decimal.Decimal | int | None, unit: str) -> str:
    """A catalogue number as read: "12,000.00 CNY", "45%", "12 days", or "—"."""
    raw = number.value if isinstance(number, Number) else number
    currency = settings.DEFAULT_CURRENCY if unit in CURRENCY_UNITS else ""
    return format_value(raw, unit, currency)


def raw(number: Number) -> Any:
    return number.value


def period(ask: Any, kind: str) -> Period:
    return period_for(ask.user, kind, now=ask.now)


def deals_url(**params: Any) -> str:
    """The deal list filtered by `params` (owner, stage, status, close_from, close_to …)."""
    clean = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return f"{reverse('deal-list')}?{urlencode(clean)}" if clean else reverse("deal-list")


def closed_in(p: Period) -> dict[str, str]:
    """The deal list's filter for the deals closed in `p` (its close_from / close_to)."""
    return {"close_from": p.start.isoformat(), "close_to": p.end.isoformat()}


def people_url(**params: Any) -> str:
    clean = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return f"{reverse('person-list')}?{urlencode(clean)}"


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())
