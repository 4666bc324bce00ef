"""Leads from a file: the lead target the customers importer calls (decision 0018).

Sales builds on customers, so sales registers this with the importer when it starts
(`SalesConfig.ready`); the importer itself knows nothing of leads.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.customers.imports import targets
from kehu.customers.imports.mapping import _header_key
from kehu.customers.imports.models import ImportJob
from kehu.customers.imports.rows import Row, RowReader
from kehu.sales.assignment.services import BY_RULES
from kehu.sales.catalog.models import Product
from kehu.sales.leads import services as leads
from kehu.sales.leads.models import Lead

LEAD_FIELDS = ["name", "company_name", "title", "email", "phone", "region", "source",
               "product_interest", "next_step", "next_step_due", "notes", "owner"]  # fmt: skip
# Other words lead lists use for a source (lower-case, as _header_key leaves them).
_SOURCE_WORDS = {"展会": "event", "活动": "event", "会议": "event", "网站": "web", "官网": "web",
                 "网络": "web", "website": "web", "转介绍": "referral", "推荐": "referral",
                 "介绍": "referral", "广告": "ads", "advertising": "ads", "投放": "ads",
                 "电话": "call", "陌拜": "call", "coldcall": "call", "电销": "call",
                 "导入": "import", "其他": "other", "其它": "other"}  # fmt: skip


def read_source(reader: RowReader, text: str) -> str:
    """A lead source from its value or its label in either language; default: import."""
    if not text:
        return Lead.Source.IMPORT
    key = _header_key(text)
    with translation.override("zh-hans"):
        chinese = {value: str(label) for value, label in Lead.Source.choices}
    with translation.override("en"):
        english = {value: str(label) for value, label in Lead.Source.choices}
    for value in Lead.Source.values:
        if key in (value, _header_key(english[value]), _header_key(chinese[value])):
            return value
    if key in _SOURCE_WORDS:
        return _SOURCE_WORDS[key]
    raise ValidationError(
        _("Unknown source; use one of: %(choices)s.")
        % {"choices": ", ".join(v for v, _label in Lead.Source.choices)}
    )


def read_product(reader: RowReader, sku: str) -> Product | None:
    if not sku:
        return None
    products: dict[str, Product | None] = reader.lookups.setdefault("products", {})
    if sku not in products:
        products[sku] = Product.objects.filter(sku__iexact=sku, active=True).first()
    product = products[sku]
    if product is None:
        raise ValidationError(_("There is no active product with SKU “%(sku)s”.") % {"sku": sku})
    return product


class LeadWriter:
    """Leads go through the lead service one by one (rules assign and score them), in the
    batch's transaction: a few hundred a second, plenty for lead lists."""

    model = None

    def __init__(self, job: ImportJob):
        self.job = job
        self.model = Lead

    def write(self, rows: list[Row]) -> tuple[int, int]:
        for row in rows:
            values = dict(row.values)
            values.setdefault("source", "import")
            values["owner"] = row.owner_id if row.owner_name else BY_RULES
            if row.custom:
                values["custom"] = row.custom
            try:
                with transaction.atomic():  # a row the service refuses is skipped, not fatal
                    leads.create_lead(self.job.user, values)
            except ValidationError as exc:
                row.errors.extend(exc.messages)
        return sum(1 for row in rows if not row.errors), 0

    def announce(self) -> None:
        """Nothing more to say: the lead service announced each lead (`lead.created`)."""

    def committed(self) -> None:
        pass


def register() -> None:
    targets.register(
        targets.Target(
            "lead",
            lambda: Lead,
            LEAD_FIELDS,
            cell_readers={"source": read_source, "product_interest": read_product},
            labels={"product_interest": gettext_lazy("product interest (SKU)")},
            writer=LeadWriter,
        )
    )
