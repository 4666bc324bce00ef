# mypy: disable-error-code="type-arg"
"""The totals row of a list's money column: the sum per currency of every matching row the
user can see, by one SQL aggregate on the filtered, visible queryset.

It is summed only when the list's capped count found at most `COUNT_CAP` rows (10,000): the
count has read those rows already (LIMIT cap + 1), so the sum reads no more than that. Above
the cap the row says the total is not summed and asks for narrower filters; a sum over a
million deals without a selective, indexed filter would take seconds on every page view."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from kehu.core.pagination import COUNT_CAP


@dataclass(frozen=True)
class Totals:
    #: (currency, sum) in currency order; empty when not summed
    sums: list[tuple[str, Decimal]]
    #: more rows match than the cap: not summed
    too_many: bool
    cap: int = COUNT_CAP


def money_totals(
    qs: QuerySet, amount: str, currency: str, count: int, more: bool, cap: int = COUNT_CAP
) -> Totals:
    """Sum `amount` per `currency` over `qs` when the capped count (`count`, `more`) allows."""
    if more or count > cap:
        return Totals([], True, cap)
    if count == 0:
        return Totals([], False, cap)
    rows = (
        qs.order_by()
        .values_list(currency)
        .annotate(total=Sum(amount))
        .order_by(currency)
        .values_list(currency, "total")
    )
    return Totals([(code, total or Decimal(0)) for code, total in rows], False, cap)
