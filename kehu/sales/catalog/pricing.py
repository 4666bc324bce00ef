"""The arithmetic of a quote, exactly in Decimal, and which price a product has for a customer.

A line: gross = quantity × unit price; net = gross less the discount; tax = net × tax rate.
Each is rounded to the cent (half up, as a till would) on the line, and a document's totals are
sums of its rounded lines, so the printed lines always add up to the printed total.
"""

import datetime
import decimal
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

CENT = decimal.Decimal("0.01")
HUNDRED = decimal.Decimal(100)


def cents(value: decimal.Decimal) -> decimal.Decimal:
    return value.quantize(CENT, rounding=decimal.ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    gross: decimal.Decimal
    discount: decimal.Decimal
    net: decimal.Decimal
    tax: decimal.Decimal


def line_amounts(quantity, unit_price, discount_percent, tax_rate) -> LineAmounts:
    gross = cents(quantity * unit_price)
    net = cents(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)
    tax = cents(net * tax_rate / HUNDRED)
    return LineAmounts(gross=gross, discount=gross - net, net=net, tax=tax)


@dataclass(frozen=True)
class DocumentTotals:
    subtotal: decimal.Decimal
    discount_total: decimal.Decimal
    tax_total: decimal.Decimal
    total: decimal.Decimal


def document_totals(amounts: list[LineAmounts]) -> DocumentTotals:
    zero = decimal.Decimal("0.00")
    net = sum((a.net for a in amounts), zero)
    tax = sum((a.tax for a in amounts), zero)
    return DocumentTotals(
        subtotal=sum((a.gross for a in amounts), zero),
        discount_total=sum((a.discount for a in amounts), zero),
        tax_total=tax,
        total=net + tax,
    )


def price_lists_for(currency: str, company=None, on: datetime.date | None = None):
    """The active price lists in `currency` valid `on` a day for `company`: those for one of
    its tags (its customer groups) before those for every customer."""
    from kehu.sales.models import PriceList

    on = on or timezone.localdate()
    tag_ids = list(company.tags.values_list("pk", flat=True)) if company is not None else []
    lists = PriceList.objects.filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on),
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        Q(customer_tag__isnull=True) | Q(customer_tag__in=tag_ids),
        active=True,
        currency=currency,
    )
    return sorted(lists, key=lambda p: (p.customer_tag_id is None, p.name, p.pk))


def unit_price(product, quantity, currency: str, company=None, on=None) -> decimal.Decimal | None:
    """The price of one unit of `product` when buying `quantity`: from the first price list
    that has the product (the largest quantity break not above `quantity`), else the standard
    price if `currency` is the company currency; None when nothing prices it."""
    from kehu.sales.models import PriceListItem

    lists = price_lists_for(currency, company, on)
    if lists:
        items = PriceListItem.objects.filter(
            price_list__in=[p.pk for p in lists], product=product, min_quantity__lte=quantity
        ).order_by("-min_quantity")
        best: dict[int, decimal.Decimal] = {}
        for item in items:
            best.setdefault(item.price_list_id, item.unit_price)
        for price_list in lists:
            if price_list.pk in best:
                return best[price_list.pk]
    if currency == settings.DEFAULT_CURRENCY:
        return product.price
    return None
