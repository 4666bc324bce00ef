"""Sales in the metric catalogue (kehu/analytics/metrics): revenue, deals won and lost, win
rate, deal size, cycle length, pipeline, stage-to-stage conversion, leads, their conversion and
response time, customers (new, active, kept, repeat), order revenue per customer, quotes sent,
growth; each with its textbook definition (docs/metrics.md). Also the dimensions sales
adds (pipeline, stage, lead source) and the exchange rates money is converted at."""

import decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.analytics.metrics import (
    Aggregate,
    Count,
    Dimension,
    DistinctKeys,
    Duration,
    Formula,
    Metric,
    Prior,
    register_dimension,
    register_metrics,
    use_rates,
)
from kehu.sales.measures import RepeatCustomers, ResponseHours, StageFunnel

WON = Q(stage__kind="won")
LOST = Q(stage__kind="lost")
OPEN = Q(closed_at__isnull=True)
BY_DATE = ("month", "quarter", "year")
DEAL_DIMENSIONS = ("owner", "team", "pipeline", *BY_DATE)
HUNDRED = decimal.Decimal(100)


def _rates() -> dict[str, decimal.Decimal]:
    from kehu.sales.deals.queries import rates

    return rates()


def _pipeline_names(keys: list) -> dict:
    from kehu.sales.models import Pipeline

    return {p.pk: p.display_name for p in Pipeline.objects.filter(pk__in=keys)}


def _stage_names(keys: list) -> dict:
    from kehu.sales.models import Stage

    return {s.pk: s.display_name for s in Stage.objects.filter(pk__in=keys)}


def _source_names(keys: list) -> dict:
    from kehu.sales.models import Lead

    return {key: str(label) for key, label in Lead.Source.choices}


def register() -> None:
    use_rates(_rates)
    register_dimension(Dimension("pipeline", _("Pipeline"), lookup="pipeline_id",
                                 names=_pipeline_names))  # fmt: skip
    register_dimension(Dimension("stage", _("Stage"), lookup="stage_id", names=_stage_names))
    register_dimension(Dimension("source", _("Lead source"), lookup="source",
                                 names=_source_names))  # fmt: skip
    register_metrics(deal_metrics())
    register_metrics(lead_metrics())
    register_metrics(order_and_quote_metrics())


def deal_metrics() -> list[Metric]:
    def closed(key, label, measure, unit, definition, formula, where=WON, dims=DEAL_DIMENSIONS):
        return Metric(key, label, unit, "deal", measure, definition, formula, date="closed_at",
                      where=where, dimensions=dims, domain="sales")  # fmt: skip

    money = {"field": "amount", "currency": "currency"}
    return [
        closed("revenue_won", _("Revenue won"), Aggregate("sum", **money), "money",
               _("The amounts of the deals won in the period, in the company currency."),
               _("Σ amount of deals that entered a won stage in the period")),
        closed("deals_won", _("Deals won"), Count(), "count",
               _("How many deals were won in the period."),
               _("count of deals that entered a won stage in the period")),
        closed("deals_lost", _("Deals lost"), Count(), "count",
               _("How many deals were lost in the period."),
               _("count of deals that entered a lost stage in the period"), where=LOST),
        closed("win_rate", _("Win rate"),
               Formula({"won": "deals_won", "lost": "deals_lost"},
                       lambda v: v["won"] * HUNDRED / (v["won"] + v["lost"]),
                       _("No deal was closed in this period.")), "percent",
               _("The share of the deals closed in the period that were won."),
               _("deals won ÷ (deals won + deals lost) × 100"), where=None),
        closed("average_deal_size", _("Average deal size"), Aggregate("avg", **money), "money",
               _("The average amount of the deals won in the period."),
               _("Σ amount of deals won ÷ deals won")),
        closed("sales_cycle_days", _("Sales cycle length"),
               Duration("created_at", "closed_at", "median"), "days",
               _("The median number of days from a deal's creation to its win, for the deals "
                 "won in the period."),
               _("median(won at − created at) over deals won in the period, in days")),
        closed("sales_growth", _("Sales growth"),
               Formula({"now": "revenue_won", "before": Prior("revenue_won")},
                       lambda v: (v["now"] - v["before"]) * HUNDRED / v["before"],
                       _("No revenue was won in the period before.")), "percent",
               _("How much more (or less) revenue was won than in the period before."),
               _("(revenue won − revenue won in the period before) ÷ revenue won in the period "
                 "before × 100"), where=None, dims=("owner", "team", "pipeline")),
        closed("sales_growth_yoy", _("Sales growth year over year"),
               Formula({"now": "revenue_won", "before": Prior("revenue_won", year_before=True)},
                       lambda v: (v["now"] - v["before"]) * HUNDRED / v["before"],
                       _("No revenue was won in the same period a year before.")), "percent",
               _("How much more (or less) revenue was won than in the same period a year "
                 "before."),
               _("(revenue won − revenue won a year before) ÷ revenue won a year before × 100"),
               where=None, dims=("owner", "team", "pipeline")),
        Metric("pipeline_value", _("Open pipeline"), "money", "deal", Aggregate("sum", **money),
               _("The amounts of the open deals now, in the company currency (the period does "
                 "not apply)."),
               _("Σ amount of open deals"), where=OPEN,
               dimensions=("owner", "team", "pipeline", "stage"), domain="sales"),
        Metric("open_deals", _("Open deals"), "count", "deal", Count(),
               _("How many deals are open now (the period does not apply)."),
               _("count of open deals"), where=OPEN,
               dimensions=("owner", "team", "pipeline", "stage"), domain="sales"),
        Metric("pipeline_weighted", _("Weighted pipeline"), "money", "deal",
               Aggregate("sum", **money, weight="stage__probability"),
               _("The open deals now, each at its amount times its stage's win probability."),
               _("Σ amount × stage probability ÷ 100 of open deals"), where=OPEN,
               dimensions=("owner", "team", "pipeline", "stage"), domain="sales"),
        closed("pipeline_velocity", _("Pipeline velocity"),
               Formula({"open": "open_deals", "rate": "win_rate", "size": "average_deal_size",
                        "days": "sales_cycle_days"},
                       lambda v: v["open"] * v["rate"] / HUNDRED * v["size"] / v["days"],
                       _("No deal was won in this period.")), "money",
               _("The revenue the open pipeline brings in per day at the period's win rate, deal "
                 "size and cycle length."),
               _("open deals × win rate × average deal size ÷ sales cycle length (per day)"),
               where=None, dims=("owner", "team", "pipeline")),
        Metric("stage_conversion", _("Stage-to-stage conversion"), "percent", "deal",
               StageFunnel(),
               _("The funnel of the deals created in the period: grouped by stage, the share of "
                 "the deals that reached a stage that went on to reach the next one (the last "
                 "open stage's next is won); in total, the share that was won."),
               _("by stage: deals that reached stage N+1 ÷ deals that reached stage N × 100; "
                 "total: deals won ÷ deals created in the period × 100"),
               date="created_at", dimensions=("owner", "team", "pipeline", "stage"),
               domain="sales"),
    ]  # fmt: skip


def lead_metrics() -> list[Metric]:
    dims = ("owner", "team", "source", *BY_DATE)
    return [
        Metric("new_leads", _("New leads"), "count", "lead", Count(),
               _("How many leads were created in the period."),
               _("count of leads created in the period"), date="created_at",
               dimensions=dims, domain="sales"),
        Metric("new_leads_converted", _("New leads converted"), "count", "lead", Count(),
               _("How many of the leads created in the period have been converted to a deal."),
               _("count of leads created in the period and converted since"),
               date="created_at", where=Q(converted_at__isnull=False), dimensions=dims,
               domain="sales"),
        Metric("lead_conversion_rate", _("Lead→deal conversion"), "percent", "lead",
               Formula({"converted": "new_leads_converted", "new": "new_leads"},
                       lambda v: v["converted"] * HUNDRED / v["new"],
                       _("No lead was created in this period.")),
               _("The share of the leads created in the period that have been converted to a "
                 "deal."),
               _("new leads converted ÷ new leads × 100"), date="created_at", dimensions=dims,
               domain="sales"),
        Metric("lead_response_hours", _("Response time to new leads"), "hours", "lead",
               ResponseHours(),
               _("The median number of hours from a new lead's creation to its first touch (a "
                 "call, meeting or email logged on it, or its first change of status), over the "
                 "leads created in the period that have been touched."),
               _("median(first touch − created at) over touched leads created in the period, "
                 "in hours"), date="created_at", dimensions=dims, domain="sales",
               extra={"better": "lower"}),
    ]  # fmt: skip


def order_and_quote_metrics() -> list[Metric]:
    return [
        Metric("new_customers", _("New customers"), "count", "order",
               DistinctKeys(("company_id", "person_id"), first_only=True),
               _("Companies (or people buying on their own) whose first order was placed in the "
                 "period; cancelled orders do not count."),
               _("count of customers with min(ordered at) in the period"), date="ordered_at",
               where=~Q(status="cancelled"), dimensions=BY_DATE, domain="sales"),
        Metric("active_customers", _("Active customers"), "count", "order",
               DistinctKeys(("company_id", "person_id")),
               _("Companies (or people buying on their own) with an order in the period; "
                 "cancelled orders do not count."),
               _("count of distinct customers with an order in the period"), date="ordered_at",
               where=~Q(status="cancelled"), dimensions=BY_DATE, domain="sales"),
        Metric("customer_retention_rate", _("Customer retention rate"), "percent", "order",
               Formula({"end": "active_customers", "new": "new_customers",
                        "start": Prior("active_customers")},
                       lambda v: (v["end"] - v["new"]) * HUNDRED / v["start"],
                       _("No customer ordered in the period before.")),
               _("Of the customers who ordered in the period before, the share kept: customers "
                 "of this period who are not new, against those of the period before."),
               _("(active customers − new customers) ÷ active customers of the period before "
                 "× 100"), date="ordered_at", domain="sales"),
        Metric("order_revenue", _("Order revenue"), "money", "order",
               Aggregate("sum", field="total", currency="currency"),
               _("The totals of the orders placed in the period, in the company currency; "
                 "cancelled orders do not count."),
               _("Σ total of orders placed in the period"), date="ordered_at",
               where=~Q(status="cancelled"), dimensions=BY_DATE, domain="sales"),
        Metric("revenue_per_customer", _("Revenue per customer"), "money", "order",
               Formula({"revenue": "order_revenue", "customers": "active_customers"},
                       lambda v: v["revenue"] / v["customers"],
                       _("No customer ordered in this period.")),
               _("The order revenue of the period divided among the customers who ordered in "
                 "it."),
               _("order revenue ÷ active customers"), date="ordered_at", dimensions=BY_DATE,
               domain="sales"),
        Metric("repeat_customers", _("Repeat customers"), "count", "order",
               RepeatCustomers(("company_id", "person_id")),
               _("Customers who ordered in the period and have ordered at least twice by its "
                 "end (twice in it, or once in it and before); cancelled orders do not count."),
               _("count of active customers with ≥ 2 orders up to the period's end"),
               date="ordered_at", where=~Q(status="cancelled"), domain="sales"),
        Metric("repeat_purchase_rate", _("Repeat-purchase rate"), "percent", "order",
               Formula({"repeat": "repeat_customers", "active": "active_customers"},
                       lambda v: v["repeat"] * HUNDRED / v["active"],
                       _("No customer ordered in this period.")),
               _("Of the customers who ordered in the period, the share who have bought more "
                 "than once (twice in the period, or once in it and once before)."),
               _("repeat customers ÷ active customers × 100"), date="ordered_at",
               domain="sales"),
        Metric("quotes_sent", _("Quotes sent"), "count", "quote", Count(distinct="number"),
               _("How many quotes were sent to customers in the period (a quote sent again as a "
                 "new version counts once)."),
               _("count of distinct quote numbers with a version sent in the period"),
               date="sent_at", dimensions=("owner", "team", *BY_DATE), domain="sales"),
    ]  # fmt: skip
