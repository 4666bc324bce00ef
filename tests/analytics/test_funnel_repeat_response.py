"""Stage-to-stage conversion, repeat purchase, revenue per customer and the response time to
new leads, each on its own small data worked out by hand, and none of them counting a record
the user cannot see (a rep against their manager, who also sees the teammate's)."""

import datetime
import decimal

import pytest

from kehu.activities.models import Activity
from kehu.activities.services import log_activity
from kehu.analytics.metrics import period_for, value
from kehu.core import audit
from kehu.core.models import AuditEntry
from kehu.sales.catalog import services as catalog
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, Lead, Order, StageChange
from kehu.sales.quotes import services as quotes
from tests.analytics.conftest import NOW, at
from tests.factories import make_company, make_deal, stage

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def december(user):
    return period_for(user, "custom", datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))


def number(key, user, **options):
    return value(key, user, december(user), now=NOW, **options)


@pytest.fixture
def zones(rep, teammate, manager):
    for user in (rep, teammate, manager):
        user.time_zone = "Asia/Shanghai"
        user.save(update_fields=["time_zone"])


def funnel_deal(owner, name, now_in, been_in=()):
    """A deal made on 3 December in the first stage, that has been in `been_in`, now in
    `now_in`."""
    made = make_deal(owner, name)
    first = made.stage
    for later in been_in:
        StageChange.objects.create(deal=made, from_stage=first, to_stage=stage(later))
    Deal.objects.filter(pk=made.pk).update(
        stage=stage(now_in),
        created_at=at("2026-12-03 10:00"),
        closed_at=at("2026-12-10 10:00") if now_in in ("Won", "Lost") else None,
    )
    return made


def test_the_funnel_counts_each_stage_reached_and_its_share_reaching_the_next(
    zones, rep, teammate, manager
):
    funnel_deal(rep, "甲 won", "Won")  # reached every stage
    funnel_deal(rep, "乙 lost after a proposal", "Lost", ["Proposal"])
    funnel_deal(rep, "丙 in negotiation, skipped the proposal", "Negotiation")
    funnel_deal(rep, "丁 still qualifying", "Qualification")
    funnel_deal(teammate, "戊 teammate's win", "Won")
    # the rep: qualification 4, proposal 3 (甲 乙 丙), negotiation 2 (甲 丙), won 1
    by_stage = number("stage_conversion", rep, group_by="stage")
    assert [(g.label, g.number.value) for g in by_stage.groups] == [
        ("Negotiation", D("50.0")),  # 1 of 2 won
        ("Proposal", D("66.7")),  # 2 of 3 went on to negotiation
        ("Qualification", D("75.0")),  # 3 of 4 to a proposal
    ]
    assert by_stage.total.value == D("25.0")  # 1 won of 4
    # the manager also sees the teammate's won deal: 5 / 4 / 3 / 2
    team = number("stage_conversion", manager, group_by="stage")
    assert {g.label: g.number.value for g in team.groups} == {
        "Qualification": D("80.0"), "Proposal": D("75.0"), "Negotiation": D("66.7"),
    }  # fmt: skip
    assert team.total.value == D("40.0")
    by_owner = number("stage_conversion", manager, group_by="owner")
    assert [(g.label, g.number.value) for g in by_owner.groups] == [
        ("rep", D("25.0")), ("teammate", D("100.0")),
    ]  # fmt: skip


def test_no_deal_created_means_no_funnel_with_the_reason(zones, rep):
    got = number("stage_conversion", rep).total
    assert got.value is None and got.reason


@pytest.fixture
def orders(zones, rep, teammate, admin_user):
    product = catalog.save_product(admin_user, None, {"sku": "R-1", "name": "复购", "price": "10"})
    lines = [{"product": product.pk, "quantity": "3"}]  # 30 CNY an order

    def order(owner, company, moment):
        quote = quotes.create_quote(owner, {"title": "订单", "company": company.pk,
                                            "lines": lines})  # fmt: skip
        quotes.accept_quote(owner, quote)
        Order.objects.filter(quote=quote).update(ordered_at=at(moment))

    before, twice, once, gone = (make_company(rep, n) for n in ("老", "两次", "一次", "只在十一月"))
    order(rep, before, "2026-11-05 10:00")
    order(rep, before, "2026-12-05 10:00")  # repeat: once before, once in December
    order(rep, twice, "2026-12-06 10:00")
    order(rep, twice, "2026-12-07 10:00")  # repeat: twice in December
    order(rep, once, "2026-12-08 10:00")  # not a repeat
    order(rep, gone, "2026-11-09 10:00")  # not a customer of December
    theirs = make_company(teammate, "队友的客户")
    order(teammate, theirs, "2026-12-01 10:00")
    order(teammate, theirs, "2026-12-02 10:00")


def test_repeat_purchase_and_revenue_per_customer(orders, rep, manager):
    assert number("repeat_customers", rep).total.value == 2
    assert number("active_customers", rep).total.value == 3
    assert number("repeat_purchase_rate", rep).total.value == D("66.7")  # 2 ÷ 3
    assert number("order_revenue", rep).total.value == D("120.00")  # 4 December orders × 30
    assert number("revenue_per_customer", rep).total.value == D("40.00")  # 120 ÷ 3
    # the manager sees the teammate's customer too: 3 repeat of 4, 180 ÷ 4
    assert number("repeat_purchase_rate", manager).total.value == D("75.0")
    assert number("revenue_per_customer", manager).total.value == D("45.00")


def test_a_cancelled_order_is_no_purchase(orders, rep):
    Order.objects.filter(ordered_at=at("2026-11-05 10:00")).update(status="cancelled")
    assert number("repeat_customers", rep).total.value == 1  # 老 now bought once


@pytest.fixture
def touched_leads(zones, rep, teammate):
    def lead(owner, name, created):
        made = leads.create_lead(owner, {"name": name, "source": "web"})
        Lead.objects.filter(pk=made.pk).update(created_at=at(created))
        return made

    emailed = lead(rep, "两小时后发邮件", "2026-12-01 09:00")
    touch = log_activity(rep, emailed, "email", {"subject": "您好"})
    Activity.objects.filter(pk=touch.pk).update(at=at("2026-12-01 11:00"))
    qualified = lead(rep, "三小时后改状态", "2026-12-02 09:00")
    entry = audit.record(rep, qualified, "update", {"status": ["new", "contacted"]})
    AuditEntry.objects.filter(pk=entry.pk).update(at=at("2026-12-02 12:00"))
    lead(rep, "还没人理", "2026-12-03 09:00")
    fast = lead(teammate, "队友一小时", "2026-12-04 09:00")
    call = log_activity(teammate, fast, "call", {"subject": "回电"})
    Activity.objects.filter(pk=call.pk).update(at=at("2026-12-04 10:00"))


def test_response_time_is_the_median_hours_to_the_first_touch(touched_leads, rep, manager):
    assert number("lead_response_hours", rep).total.value == D("2.5")  # median of 2 h and 3 h
    assert number("lead_response_hours", manager).total.value == D("2.0")  # of 1, 2 and 3 h
    by_owner = number("lead_response_hours", manager, group_by="owner")
    assert [(g.label, g.number.value) for g in by_owner.groups] == [
        ("rep", D("2.5")), ("teammate", D("1.0")),
    ]  # fmt: skip


def test_no_touched_lead_gives_no_response_time_with_the_reason(zones, rep):
    leads.create_lead(rep, {"name": "没人理", "source": "web"})
    got = number("lead_response_hours", rep).total
    assert got.value is None and got.reason
