"""Money in the company currency: amounts per currency converted at the stored exchange rates.

The rates live with the app that keeps them (sales), which hands analytics a function reading
them (`use_rates`), so analytics imports no domain. An amount in a currency without a rate is
not guessed: the value it belongs to becomes "—" with the reason."""

from __future__ import annotations

import decimal
from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

CENT = decimal.Decimal("0.01")

_rates: Callable[[], dict[str, decimal.Decimal]] | None = None


def use_rates(read: Callable[[], dict[str, decimal.Decimal]]) -> None:
    """Register how to read the exchange rates: {currency: units of the company currency}."""
    global _rates
    _rates = read


def rates() -> dict[str, decimal.Decimal]:
    """The current rates; the company currency is always 1."""
    known = dict(_rates()) if _rates is not None else {}
    return {**known, settings.DEFAULT_CURRENCY: decimal.Decimal(1)}


class MissingRate(Exception):
    """An amount in a currency the company has no exchange rate for."""

    def __init__(self, currency: str):
        self.currency = currency
        super().__init__(currency)

    @property
    def reason(self) -> str:
        return _("No exchange rate for %(currency)s: an administrator can add it.") % {
            "currency": self.currency
        }


def convert(
    amount: decimal.Decimal, currency: str, rate_of: dict[str, decimal.Decimal]
) -> decimal.Decimal:
    """`amount` of `currency` in the company currency (not rounded); MissingRate without a
    rate (a zero amount needs none)."""
    if not amount:
        return decimal.Decimal(0)
    rate = rate_of.get(currency)
    if rate is None:
        raise MissingRate(currency)
    return decimal.Decimal(amount) * rate
