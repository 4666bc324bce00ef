"""Quotes and orders, built from the catalogue's products and price lists.

Amounts are Decimal to the cent; a line's amounts are stored as computed when it was saved
(`sales.catalog.pricing`), so a sent quote or an order never changes when a price list does.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.models import BINNED, Record
from kehu.core.urls import record_url
from kehu.sales.catalog.models import MONEY, PERCENT, QUANTITY, Product
from kehu.sales.common import ALIVE, company_currency
from kehu.sales.deals.models import Deal


class DocumentCounter(models.Model):
    """The last number given to a kind of document (quote, order) in a year."""

    kind = models.CharField(max_length=10)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="one_counter_per_kind_and_year")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class Totals(models.Model):
    """The four sums a quote or an order shows, computed from its lines."""

    currency = models.CharField(_("currency"), max_length=3, default=company_currency)
    subtotal = models.DecimalField(_("subtotal"), **MONEY, default=0)
    discount_total = models.DecimalField(_("discount"), **MONEY, default=0)
    tax_total = models.DecimalField(_("tax"), **MONEY, default=0)
    total = models.DecimalField(_("total"), **MONEY, default=0)

    class Meta:
        abstract = True


class LineItem(models.Model):
    """A product (or a free text line), how many, at what price, less a discount, plus tax."""

    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField(_("SKU"), max_length=64, blank=True, default="")
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="")
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    discount_percent = models.DecimalField(_("discount (%)"), **PERCENT, default=0)
    tax_rate = models.DecimalField(_("tax rate (%)"), **PERCENT, default=0)
    net = models.DecimalField(_("amount"), **MONEY, default=0)
    tax = models.DecimalField(_("tax"), **MONEY, default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description}"


class Quote(Record, Totals):
    """An offer to a customer: numbered per year, revised as new versions of the same number."""

    module = "sales"

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")

    class EmailState(models.TextChoices):
        NONE = "", _("Not emailed")
        QUEUED = "queued", _("Sending")
        SENT = "sent", _("Emailed")
        FAILED = "failed", _("Email failed")

    number = models.CharField(_("number"), max_length=20, editable=False)
    revision = models.PositiveIntegerField(_("version"), default=1, editable=False)
    is_latest = models.BooleanField(default=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    deal = models.ForeignKey(
        Deal,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
        verbose_name=_("deal"),
    )
    company = models.ForeignKey(
        "customers.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("company"),
    )
    person = models.ForeignKey(
        "customers.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact"),
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    terms = models.TextField(_("terms and notes"), blank=True, default="")
    #: values of the quotes' custom fields by key (`customers.fields`); a new version copies them
    custom = models.JSONField(default=dict, blank=True)
    email_state = models.CharField(
        pgettext_lazy("email message", "email"), max_length=6, choices=EmailState.choices,
        blank=True, default="", editable=False,
    )  # fmt: skip
    email_to = models.EmailField(_("emailed to"), blank=True, default="", editable=False)
    email_error = models.CharField(
        _("email error"), max_length=300, blank=True, default="", editable=False
    )
    sent_at = models.DateTimeField(
        pgettext_lazy("moment", "sent"), null=True, blank=True, editable=False
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    decision_note = models.CharField(
        _("reason"), max_length=300, blank=True, default="", editable=False
    )
    # set by the quote services between checking the lines and saving them
    _new_lines: "list[QuoteLine]"

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.UniqueConstraint(fields=["number", "revision"], name="one_quote_per_version"),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], condition=ALIVE, name="quote_updated_idx"),
            models.Index(
                fields=["owner", "updated_at", "id"], condition=ALIVE, name="quote_owner_idx"
            ),
            models.Index(
                fields=["status", "updated_at", "id"], condition=ALIVE, name="quote_status_idx"
            ),
            models.Index(fields=["deal", "number"], condition=ALIVE, name="quote_deal_idx"),
            models.Index(fields=["total", "id"], condition=ALIVE, name="quote_total_idx"),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="quote_binned_idx"),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return record_url("quote-detail", self.pk)

    @property
    def label(self) -> str:
        return self.number if self.revision == 1 else f"{self.number} v{self.revision}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT and self.deleted_at is None

    @property
    def can_be_decided(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.SENT) and self.deleted_at is None

    @property
    def can_be_revised(self) -> bool:
        return (
            self.status in (self.Status.SENT, self.Status.REJECTED)
            and self.is_latest
            and self.deleted_at is None
        )


class QuoteLine(LineItem):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta(LineItem.Meta):
        verbose_name = _("quote line")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="quote_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="quote_price_positive"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                name="quote_discount_range",
            ),
        ]


class Order(Record, Totals):
    """What the customer bought: made from an accepted quote, with the quote's lines."""

    module = "sales"

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    # verbose names: the order's history names these fields in the reader's language
    quote = models.OneToOneField(
        Quote, on_delete=models.PROTECT, related_name="order", editable=False,
        verbose_name=_("quote"),
    )  # fmt: skip
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders",
        verbose_name=_("deal"),
    )  # fmt: skip
    company = models.ForeignKey(
        "customers.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("company"),
    )  # fmt: skip
    person = models.ForeignKey(
        "customers.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("contact"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    ordered_at = models.DateTimeField(_("ordered"), default=timezone.now)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["ordered_at", "id"], condition=ALIVE, name="order_date_idx"),
            models.Index(
                fields=["owner", "ordered_at", "id"], condition=ALIVE, name="order_owner_idx"
            ),
            models.Index(
                fields=["status", "ordered_at", "id"], condition=ALIVE, name="order_status_idx"
            ),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="order_binned_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return record_url("order-detail", self.pk)


class OrderLine(LineItem):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")

    class Meta(LineItem.Meta):
        verbose_name = _("order line")
