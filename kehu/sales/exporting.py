"""Exporting the sales lists (leads, deals, quotes, orders) as CSV or XLSX, with the list's
filters, through `visible_to` and the sales export right; the files are built by the
customers' exporter (`kehu.customers.exporting`), one row per record, streamed. Leads, deals
and quotes end with a column per active custom field (its key), read from the row itself."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError

from kehu.core import visibility
from kehu.customers.exporting import (
    Column,
    amount,
    bad_filters,
    custom_columns,
    day,
    download,
    when,
)
from kehu.customers.exporting import table as export_table
from kehu.customers.fields.values import active_fields
from kehu.sales.deals import queries as deal_queries
from kehu.sales.leads.views import filtered_leads as filter_leads
from kehu.sales.models import Deal, Lead, Order, Quote
from kehu.sales.quotes.views import filter_orders, filter_quotes


def _owner(record) -> str:
    return record.owner.username


def _name(related) -> str:
    """A linked record's name, as the list shows it: nothing once it is in the recycle bin."""
    if related is None or getattr(related, "deleted_at", None):
        return ""
    return related.name


RECORD_END = [
    Column("owner", _owner),
    Column("created", lambda r: when(r.created_at)),
    Column("updated", lambda r: when(r.updated_at)),
]

LEAD_COLUMNS = [
    Column("id", lambda r: r.pk),
    Column("name", lambda r: r.name),
    Column("company", lambda r: r.company_name),
    Column("title", lambda r: r.title),
    Column("email", lambda r: r.email),
    Column("phone", lambda r: r.phone),
    Column("region", lambda r: r.region),
    Column("product_interest", lambda r: r.product_interest.sku if r.product_interest else ""),
    Column("source", lambda r: r.source),
    Column("status", lambda r: r.status),
    Column("disqualify_reason", lambda r: r.disqualify_reason),
    Column("score", lambda r: r.score),
    Column("next_step", lambda r: r.next_step),
    Column("next_step_due", lambda r: day(r.next_step_due)),
    Column("converted", lambda r: when(r.converted_at)),
    *RECORD_END,
]

DEAL_COLUMNS = [
    Column("id", lambda r: r.pk),
    Column("name", lambda r: r.name),
    Column("pipeline", lambda r: r.pipeline.display_name),
    Column("stage", lambda r: r.stage.display_name),
    Column("status", lambda r: r.stage.kind),
    Column("amount", lambda r: amount(r.amount)),
    Column("currency", lambda r: r.currency),
    Column("expected_close", lambda r: day(r.expected_close)),
    Column("company", lambda r: _name(r.company)),
    Column("next_step", lambda r: r.next_step),
    Column("next_step_due", lambda r: day(r.next_step_due)),
    Column("lost_reason", lambda r: r.lost_reason.display_name if r.lost_reason else ""),
    Column("close_reason", lambda r: r.close_reason),
    Column("closed", lambda r: when(r.closed_at)),
    *RECORD_END,
]

_TOTALS = [
    Column("currency", lambda r: r.currency),
    Column("subtotal", lambda r: amount(r.subtotal)),
    Column("discount", lambda r: amount(r.discount_total)),
    Column("tax", lambda r: amount(r.tax_total)),
    Column("total", lambda r: amount(r.total)),
]

QUOTE_COLUMNS = [
    Column("id", lambda r: r.pk),
    Column("number", lambda r: r.number),
    Column("version", lambda r: r.revision),
    Column("title", lambda r: r.title),
    Column("status", lambda r: r.status),
    Column("company", lambda r: _name(r.company)),
    Column("contact", lambda r: _name(r.person)),
    Column("deal", lambda r: _name(r.deal)),
    *_TOTALS,
    Column("valid_until", lambda r: day(r.valid_until)),
    Column("sent", lambda r: when(r.sent_at)),
    Column("decided", lambda r: when(r.decided_at)),
    *RECORD_END,
]

ORDER_COLUMNS = [
    Column("id", lambda r: r.pk),
    Column("number", lambda r: r.number),
    Column("quote", lambda r: r.quote.label if r.quote_id else ""),
    Column("status", lambda r: r.status),
    Column("company", lambda r: _name(r.company)),
    Column("contact", lambda r: _name(r.person)),
    Column("deal", lambda r: _name(r.deal)),
    *_TOTALS,
    Column("ordered", lambda r: when(r.ordered_at)),
    *RECORD_END,
]


def _exportable(user, model):
    visibility.require(user, "sales", "export")
    return model.objects.visible_to(user, "export")


@login_required
def lead_export(request):
    qs, errors = filter_leads(_exportable(request.user, Lead), request.GET, request.user)
    if errors:
        return bad_filters(errors)
    qs = qs.select_related("owner", "product_interest")
    columns = LEAD_COLUMNS + custom_columns(active_fields("lead"))
    return download(request, export_table(qs, columns), "leads")


@login_required
def deal_export(request):
    try:
        qs = deal_queries.apply_filters(_exportable(request.user, Deal), request.GET, request.user)
    except ValidationError as exc:
        return bad_filters(exc.message_dict)
    qs = qs.select_related("owner", "pipeline", "stage", "company", "lost_reason")
    columns = DEAL_COLUMNS + custom_columns(active_fields("deal"))
    return download(request, export_table(qs, columns), "deals")


@login_required
def quote_export(request):
    qs, errors = filter_quotes(_exportable(request.user, Quote), request.GET, request.user)
    if errors:
        return bad_filters(errors)
    qs = qs.select_related("owner", "company", "person", "deal")
    columns = QUOTE_COLUMNS + custom_columns(active_fields("quote"))
    return download(request, export_table(qs, columns), "quotes")


@login_required
def order_export(request):
    qs, errors = filter_orders(_exportable(request.user, Order), request.GET, request.user)
    if errors:
        return bad_filters(errors)
    qs = qs.select_related("owner", "company", "person", "deal", "quote")
    return download(request, export_table(qs, ORDER_COLUMNS), "orders")
