"""Deals moving through pipelines of ordered stages, with the exchange rates their totals use."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core import builtin_names
from kehu.core.models import BINNED, Record, Versioned
from kehu.core.sort_keys import SortKeyField
from kehu.core.urls import record_url
from kehu.sales.common import ALIVE, company_currency, shown_name


class Pipeline(Versioned):
    """A sales process (new business, renewals, projects …) with its own stages."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_zh = models.CharField(_("name (简体中文)"), max_length=100, blank=True)
    #: set on the pipeline Kehu installs (core.builtin_names): shown translated until renamed
    key = models.CharField(max_length=40, blank=True, default="", editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    stale_days = models.PositiveIntegerField(
        _("stale after (days)"),
        default=30,
        help_text=_("An open deal without a change for this many days is flagged as stale."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("pipeline")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return shown_name(builtin_names.PIPELINES, self.key, self.name, self.name_zh)


class Stage(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("name (简体中文)"), max_length=100, blank=True)
    #: set on the stages Kehu installs (core.builtin_names): shown translated until renamed
    key = models.CharField(max_length=40, blank=True, default="", editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), default=0, help_text=_("From 0 to 100.")
    )
    kind = models.CharField(_("type"), max_length=4, choices=Kind.choices, default=Kind.OPEN)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        verbose_name = _("stage")
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__lte=100), name="stage_probability_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return shown_name(builtin_names.STAGES, self.key, self.name, self.name_zh)

    @property
    def is_closed(self) -> bool:
        return self.kind != self.Kind.OPEN

    @property
    def kind_badge(self) -> str:
        """Won or Lost, for a badge beside the stage's name; "" when the stage is open or its
        name already says it (a stage named "Lost" is not shown as "Lost Lost")."""
        if self.kind == self.Kind.OPEN:
            return ""
        label = str(self.get_kind_display())
        return "" if self.display_name.strip().casefold() == label.casefold() else label


class ExchangeRate(models.Model):
    """How many units of the company currency (settings.DEFAULT_CURRENCY) one unit buys."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    updated_at = models.DateTimeField(pgettext_lazy("moment", "updated"), default=timezone.now)

    class Meta:
        ordering = ["currency"]
        verbose_name = _("exchange rate")
        constraints = [models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive")]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"


class Deal(Record):
    module = "sales"

    name = models.CharField(_("name"), max_length=200)
    pipeline = models.ForeignKey(
        Pipeline, on_delete=models.PROTECT, related_name="+", verbose_name=_("pipeline")
    )
    stage = models.ForeignKey(
        Stage, on_delete=models.PROTECT, related_name="+", verbose_name=_("stage")
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default=company_currency)
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    company = models.ForeignKey(
        "customers.Company",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        verbose_name=_("company"),
    )
    next_step = models.CharField(_("next step"), max_length=200, blank=True, default="")
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    #: why a lost deal was lost, from the administrators' list (None for open and won deals)
    lost_reason = models.ForeignKey(
        "sales.LostReason",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lost reason"),
    )
    #: the user's own words: the details of a lost reason ("Other" needs them), why it was won,
    #: or, on deals lost before the list existed, the whole reason
    close_reason = models.CharField(_("won/lost reason"), max_length=200, blank=True, default="")
    stage_changed_at = models.DateTimeField(_("in stage since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    #: values of the deals' custom fields by key (`customers.fields`)
    custom = models.JSONField(default=dict, blank=True)
    search_text = models.TextField(default="", editable=False)
    #: what "sort by name" reads: the name's pinyin (kehu.core.sort_keys), set by the services
    name_sort_key = SortKeyField()
    sorted_by_key = {"name": "name_sort_key"}
    # set by the deal services between checking a change and saving it (stage history)
    _stage_before: int | None
    _entered_stage: tuple[int | None, datetime.datetime]

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            # the board: a stage's newest cards, and its totals per currency
            models.Index(
                fields=["stage", "-updated_at", "-id"], condition=ALIVE, name="deal_stage_idx"
            ),
            models.Index(
                fields=["stage", "currency", "amount"], condition=ALIVE, name="deal_stage_sum_idx"
            ),
            models.Index(
                fields=["owner", "stage", "currency", "amount"],
                condition=ALIVE,
                name="deal_owner_stage_sum_idx",
            ),
            # the list's sorts, for everyone and per owner
            models.Index(fields=["name_sort_key", "id"], condition=ALIVE, name="deal_sort_key_idx"),
            models.Index(fields=["updated_at", "id"], condition=ALIVE, name="deal_updated_idx"),
            models.Index(fields=["amount", "id"], condition=ALIVE, name="deal_amount_idx"),
            models.Index(
                fields=["owner", "name_sort_key", "id"],
                condition=ALIVE,
                name="deal_owner_sort_key_idx",
            ),
            models.Index(
                fields=["owner", "updated_at", "id"], condition=ALIVE, name="deal_owner_updated_idx"
            ),
            models.Index(
                fields=["pipeline", "updated_at", "id"], condition=ALIVE, name="deal_pipeline_idx"
            ),
            models.Index(
                fields=["company", "updated_at", "id"], condition=ALIVE, name="deal_company_idx"
            ),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="deal_binned_idx"),
            # "my pipeline": an owner's open deals by the due date of their next step
            models.Index(
                fields=["owner", "next_step_due", "id"],
                condition=ALIVE & Q(closed_at__isnull=True),
                name="deal_owner_next_step_idx",
            ),
            # stale deals (the manager dashboard, follow-ups): an owner's open deals by when
            # they last changed, without walking their closed ones (issue 15 benchmarks)
            models.Index(
                fields=["owner", "updated_at", "id"],
                condition=ALIVE & Q(closed_at__isnull=True),
                name="deal_owner_open_updated_idx",
            ),
            # the forecast: open deals by expected close, closed ones by when they closed
            models.Index(
                fields=["expected_close", "owner", "stage", "currency", "amount"],
                condition=ALIVE & Q(closed_at__isnull=True),
                name="deal_forecast_open_idx",
            ),
            models.Index(
                fields=["closed_at", "owner", "stage", "currency", "amount"],
                condition=ALIVE & Q(closed_at__isnull=False),
                name="deal_forecast_closed_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("deal-detail", self.pk)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def live_company(self):
        """The deal's company, unless it is in the recycle bin (restoring it shows it again)."""
        company = self.company if self.company_id else None
        return company if company is not None and company.deleted_at is None else None

    def is_stale(self, today=None) -> bool:
        """Open, and unchanged for longer than its pipeline allows."""
        if self.is_closed:
            return False
        now = today or timezone.now()
        return (now - self.updated_at).days > self.pipeline.stale_days

    @property
    def next_step_overdue(self) -> bool:
        return bool(
            not self.is_closed and self.next_step_due and self.next_step_due < timezone.localdate()
        )


class DealContact(models.Model):
    """A person involved in a deal, with their part in it (decision maker, buyer, user …)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="contacts")
    person = models.ForeignKey("customers.Person", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=100, blank=True, default="")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("deal contact")
        verbose_name_plural = _("people")  # what the deal's history calls them
        constraints = [
            models.UniqueConstraint(fields=["deal", "person"], name="one_contact_role_per_deal")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ({self.role})"


class StageChange(models.Model):
    """A deal entering a stage, and how long it had spent in the one it left."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds_in_stage = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["deal", "-at", "-id"], name="stage_change_deal_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"
