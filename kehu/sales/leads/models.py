"""Leads: someone who may buy, before they are a customer."""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.core.models import BINNED, Record
from kehu.core.sort_keys import SortKeyField
from kehu.core.urls import record_url
from kehu.sales.common import ALIVE
from kehu.sales.deals.models import Deal


class Lead(Record):
    """Someone who may buy, before they are a customer: qualified, then converted into a person,
    their company and a deal (matched to existing ones, never duplicated)."""

    module = "sales"

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        QUALIFIED = "qualified", _("Qualified")
        DISQUALIFIED = "disqualified", _("Disqualified")
        CONVERTED = "converted", _("Converted")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event")
        ADVERTISING = "ads", _("Advertising")
        COLD_CALL = "call", _("Cold call")
        IMPORT = "import", _("Import")
        OTHER = "other", _("Other")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=150)
    company_name = models.CharField(_("company"), max_length=200, blank=True, default="")
    title = models.CharField(_("job title"), max_length=100, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=32, blank=True, default="")
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    product_interest = models.ForeignKey(
        "sales.Product",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("product interest"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default="other")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default="new")
    disqualify_reason = models.CharField(
        _("disqualification reason"), max_length=200, blank=True, default=""
    )
    notes = models.TextField(_("notes"), blank=True, default="")
    next_step = models.CharField(_("next step"), max_length=200, blank=True, default="")
    next_step_due = models.DateField(_("next step due"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    person = models.ForeignKey(
        "customers.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    company = models.ForeignKey(
        "customers.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: the admin-defined rules' points, and the learned chance of winning (0–100), each with
    #: its reasons: [{"label": "Source is Referral", "points": 10}, …]
    score = models.IntegerField(_("score"), default=0)
    score_reasons = models.JSONField(default=list, blank=True, editable=False)
    learned_score = models.PositiveSmallIntegerField(_("learned score"), null=True, blank=True)
    learned_reasons = models.JSONField(default=list, blank=True, editable=False)
    custom = models.JSONField(default=dict, blank=True)
    #: where a lead from the public web form came from, for its rate limit
    web_address = models.GenericIPAddressField(null=True, blank=True, editable=False)
    search_text = models.TextField(default="", editable=False)
    #: what "sort by name" reads: the name's pinyin, surname first (kehu.core.sort_keys)
    name_sort_key = SortKeyField()
    sorted_by_key = {"name": "name_sort_key"}
    #: annotated by `scoring.services.with_last_contact`: the latest call, meeting or email
    last_contact_at: datetime.datetime | None

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["updated_at", "id"], condition=ALIVE, name="lead_updated_idx"),
            models.Index(fields=["name_sort_key", "id"], condition=ALIVE, name="lead_sort_key_idx"),
            models.Index(
                fields=["owner", "name_sort_key", "id"],
                condition=ALIVE,
                name="lead_owner_sort_key_idx",
            ),
            models.Index(
                fields=["status", "updated_at", "id"], condition=ALIVE, name="lead_status_idx"
            ),
            models.Index(
                fields=["owner", "updated_at", "id"], condition=ALIVE, name="lead_owner_idx"
            ),
            models.Index(fields=["deleted_at", "id"], condition=BINNED, name="lead_binned_idx"),
            models.Index(fields=["score", "id"], condition=ALIVE, name="lead_score_idx"),
            models.Index(
                fields=["owner", "score", "id"], condition=ALIVE, name="lead_owner_score_idx"
            ),
            models.Index(
                fields=["owner", "next_step_due", "id"],
                condition=ALIVE & Q(status__in=["new", "contacted", "qualified"]),
                name="lead_owner_next_step_idx",
            ),
            models.Index(
                fields=["web_address", "created_at"],
                condition=Q(web_address__isnull=False),
                name="lead_web_address_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("lead-detail", self.pk)

    @property
    def next_step_overdue(self) -> bool:
        return bool(
            self.status not in (self.Status.CONVERTED, self.Status.DISQUALIFIED)
            and self.next_step_due
            and self.next_step_due < timezone.localdate()
        )
