"""The catalogue: products and the price lists that price them, by quantity."""

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kehu.core.models import Versioned
from kehu.sales.common import _localised, company_currency

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}
QUANTITY: dict[str, Any] = {"max_digits": 12, "decimal_places": 3}
PERCENT: dict[str, Any] = {"max_digits": 5, "decimal_places": 2}


class Product(Versioned):
    """Something the company sells, at a standard price in the company currency."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (简体中文)"), max_length=200, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    price = models.DecimalField(
        _("standard price"),
        **MONEY,
        default=0,
        help_text=_("In the company currency, before tax; price lists can override it."),
    )
    tax_rate = models.DecimalField(_("tax rate (%)"), **PERCENT, default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [models.Index(fields=["name", "id"], name="product_name_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="product_tax_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.display_name}"

    @property
    def display_name(self) -> str:
        return _localised(self.name, self.name_zh)


class PriceList(Versioned):
    """Prices in one currency, for every customer or for the companies with one tag (a
    customer group), valid between two dates, with lower prices for larger quantities."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default=company_currency)
    customer_tag = models.ForeignKey(
        "customers.Tag",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer group (company tag)"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["currency", "name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="price_list_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class PriceListItem(models.Model):
    """A product's unit price in a price list from `min_quantity` on."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    min_quantity = models.DecimalField(_("from quantity"), **QUANTITY, default=1)
    unit_price = models.DecimalField(_("unit price"), **MONEY)

    class Meta:
        ordering = ["product__name", "product_id", "min_quantity"]
        verbose_name = _("price")
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "min_quantity"], name="one_price_per_break"
            ),
            models.CheckConstraint(condition=Q(min_quantity__gt=0), name="break_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="item_price_not_negative"),
        ]
        indexes = [models.Index(fields=["product", "price_list"], name="price_item_product_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} ≥{self.min_quantity}: {self.unit_price}"
