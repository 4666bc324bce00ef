"""Leads, deals, quotes, orders and products in the search over every record type
(`kehu.core.search.everything`); registered when sales starts."""

import re
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.core import visibility
from kehu.core.search import everything
from kehu.core.urls import record_url
from kehu.sales.deals.models import Deal
from kehu.sales.leads.models import Lead
from kehu.sales.models import Order, Product, Quote

#: what a quote or order number looks like ("Q-2026-0012"), or a part of one from its start
_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")


def find_leads(user, query: str) -> list[everything.Candidate]:
    return everything.document_candidates(
        Lead.objects.visible_to(user),
        query,
        ["id", "name", "company_name"],
        lambda row: everything.Candidate(
            row["id"], row["name"], row["name"], record_url("lead-detail", row["id"]),
            row["company_name"],
        ),
    )  # fmt: skip


def find_deals(user, query: str) -> list[everything.Candidate]:
    return everything.document_candidates(
        Deal.objects.visible_to(user),
        query,
        ["id", "name", "company__name"],
        lambda row: everything.Candidate(
            row["id"], row["name"], row["name"], record_url("deal-detail", row["id"]),
            row["company__name"] or "",
        ),
    )  # fmt: skip


def _numbered(visible, query: str) -> list[dict]:
    """Quotes or orders whose number starts with the query, read from the number index: a
    range on the (binary-ordered) number column, which both databases serve from the index."""
    number = query.strip().upper()
    if not _NUMBER.fullmatch(number) or not any(ch.isdigit() for ch in number):
        return []
    rows = visible.filter(number__gte=number, number__lt=number + "\x7f", number__startswith=number)
    return list(
        rows.order_by("number", "id").values("id", "number", "company__name")[: everything.PER_KIND]
    )


def find_quotes(user, query: str) -> list[everything.Candidate]:
    quotes = Quote.objects.visible_to(user).filter(is_latest=True)
    return [
        everything.Candidate(
            row["id"], row["number"], row["number"], record_url("quote-detail", row["id"]),
            row["company__name"] or "",
        )
        for row in _numbered(quotes, query)
    ]  # fmt: skip


def find_orders(user, query: str) -> list[everything.Candidate]:
    return [
        everything.Candidate(
            row["id"], row["number"], row["number"], record_url("order-detail", row["id"]),
            row["company__name"] or "",
        )
        for row in _numbered(Order.objects.visible_to(user), query)
    ]  # fmt: skip


def find_products(user, query: str) -> list[everything.Candidate]:
    """Active products by SKU or name, for anyone who reads sales (the catalogue is everyone's
    in sales, and small: thousands of rows, which a scan reads in a few ms)."""
    words = query.split()[:4]
    if not words or not visibility.can(user, "sales", "read"):
        return []
    products = Product.objects.filter(active=True)
    for word in words:
        products = products.filter(
            Q(sku__icontains=word) | Q(name__icontains=word) | Q(name_zh__icontains=word)
        )
    listing = reverse("product-list")
    candidates = []
    for product in products.order_by("name", "id")[: everything.CANDIDATES]:
        if user.is_admin:
            url = record_url("product-edit", product.pk)
        else:
            url = f"{listing}?{urlencode({'q': product.sku})}"
        name = product.display_name
        candidates.append(everything.Candidate(product.pk, name, name, url, product.sku))
    return candidates


def register() -> None:
    everything.register_kind("lead", _("Leads"), find_leads)
    everything.register_kind("deal", _("Deals"), find_deals)
    everything.register_kind("quote", _("Quotes"), find_quotes)
    everything.register_kind("order", _("Orders"), find_orders)
    everything.register_kind("product", _("Products"), find_products)
