"""A quote's lines: cleaned from what the caller sent (blanks filled from the product and its
price for the quote's customer), priced, totalled, and shown in the history."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.core.numbers import plain
from kehu.sales.catalog import pricing
from kehu.sales.catalog.services import clean_money, clean_quantity, clean_rate, id_of
from kehu.sales.models import Product, Quote, QuoteLine
from kehu.sales.quotes.models import LineItem, Totals

#: what an order line copies from its quote's line, and a new version's line from the old
LINE_COPY = ["position", "product_id", "sku", "description", "quantity", "unit", "unit_price",
             "discount_percent", "tax_rate", "net", "tax"]  # fmt: skip
MAX_LINES = 200


def clean_lines(quote: Quote, rows: list[dict[str, Any]]) -> list[QuoteLine]:
    """Lines from rows {product, description, quantity, unit_price, discount_percent,
    tax_rate, unit}: blanks filled from the product and its price for the quote's customer."""
    if len(rows) > MAX_LINES:
        raise ValidationError({"lines": [_("A quote has at most 200 lines.")]})
    wanted = {id_of(r.get("product")) for r in rows} - {None}
    products = Product.objects.in_bulk(wanted)
    kept = set(quote.lines.values_list("product_id", flat=True)) if quote.pk else set()
    errors: list[str] = []
    lines: list[QuoteLine] = []
    for number, row in enumerate(rows, start=1):

        def fail(message: str, n: int = number) -> None:
            errors.append(_("Line %(n)s: %(error)s") % {"n": n, "error": message})

        raw_product = row.get("product")
        product = products.get(id_of(raw_product))
        if raw_product not in (None, "") and (
            product is None or (not product.active and product.pk not in kept)
        ):
            fail(_("choose an active product."))
            continue
        try:
            quantity = clean_quantity(row.get("quantity"))
            discount = clean_rate(
                row.get("discount_percent"),
                "discount_percent",
                _("the discount is a percentage from 0 to 100."),
            )
            tax_rate = (
                product.tax_rate
                if product is not None and row.get("tax_rate") in (None, "")
                else clean_rate(row.get("tax_rate"))
            )
            given = row.get("unit_price")
            price = None if given in (None, "") else clean_money(given, "unit_price")
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                for message in messages:
                    fail(message)
            continue
        if price is None and product is not None:
            company = quote.company if quote.company_id else None
            price = pricing.unit_price(product, quantity, quote.currency, company)
            if price is None:
                fail(
                    _("%(sku)s has no price in %(currency)s: enter a unit price.")
                    % {"sku": product.sku, "currency": quote.currency}
                )
                continue
        description = str(row.get("description") or "").strip()[:300]
        if product is not None and not description:
            description = product.display_name
        if not description or price is None:
            fail(_("choose a product, or enter a description and a unit price."))
            continue
        amounts = pricing.line_amounts(quantity, price, discount, tax_rate)
        unit = str(row.get("unit") or "").strip()[:20] or (product.unit if product else "")
        lines.append(
            QuoteLine(
                position=len(lines),
                product=product,
                sku=product.sku if product else "",
                description=description,
                quantity=quantity,
                unit=unit,
                unit_price=price,
                discount_percent=discount,
                tax_rate=tax_rate,
                net=amounts.net,
                tax=amounts.tax,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return lines


def set_totals(document: Totals, lines: Iterable[LineItem]) -> None:
    totals = pricing.document_totals(
        [
            pricing.line_amounts(
                line.quantity, line.unit_price, line.discount_percent, line.tax_rate
            )
            for line in lines
        ]
    )
    for name in ("subtotal", "discount_total", "tax_total", "total"):
        setattr(document, name, getattr(totals, name))


def line_summary(document: Quote) -> str:
    """The lines as the history shows them: 3 × LT-14 @ 6999.00 −10%; …"""
    return "; ".join(
        f"{plain(line.quantity)} × {line.sku or line.description} @ {line.unit_price}"
        + (f" −{plain(line.discount_percent)}%" if line.discount_percent else "")
        for line in document.lines.all()
    )


def preview_lines(
    quote: Quote, rows: list[dict[str, Any]]
) -> tuple[list[QuoteLine], Any, list[str]]:
    """What saving `rows` on `quote` (saved or not) would give, without saving: the priced
    lines, their totals and the errors by line, computed by the same code as a save, so the
    running totals a user sees while typing are the server's own."""
    errors: list[str] = []
    try:
        lines = clean_lines(quote, rows)
    except ValidationError as exc:
        errors = exc.message_dict.get("lines", exc.messages)
        good = []
        for row in rows:  # the rows that are fine still count, each on its own
            try:
                good += clean_lines(quote, [row])
            except ValidationError:
                continue
        lines = good
    totals = pricing.document_totals(
        [
            pricing.line_amounts(x.quantity, x.unit_price, x.discount_percent, x.tax_rate)
            for x in lines
        ]  # fmt: skip
    )
    return lines, totals, errors
