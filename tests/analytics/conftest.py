"""A small fixed sales world in December 2026, seen from the 15th at noon (Shanghai), with every
value the metrics should give worked out by hand in the tests."""

import datetime
import zoneinfo
from dataclasses import dataclass

import pytest

from kehu.activities.models import Activity
from kehu.activities.services import log_activity
from kehu.sales.catalog import services as catalog
from kehu.sales.deals import services as sales_services
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, Lead, Order, Quote
from kehu.sales.quotes import services as quotes
from tests.factories import make_company, make_deal, make_person, stage

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 12, 15, 12, 0, tzinfo=SHANGHAI)


def at(text: str) -> datetime.datetime:
    """A moment in Shanghai time: "2026-12-05 10:00"."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def deal(owner, name, amount, kind, created, closed=None, currency="CNY"):
    made = make_deal(owner, name, amount=amount, currency=currency)
    won_or_lost = {"won": "Won", "lost": "Lost", "open": "Negotiation"}[kind]
    Deal.objects.filter(pk=made.pk).update(
        stage=stage(won_or_lost), created_at=at(created), closed_at=closed and at(closed)
    )
    return made


def lead(owner, name, source, created, converted=None):
    made = leads.create_lead(owner, {"name": name, "source": source})
    Lead.objects.filter(pk=made.pk).update(
        created_at=at(created), converted_at=converted and at(converted)
    )
    return made


@dataclass
class World:
    rep: object
    teammate: object
    manager: object
    outsider: object
    admin: object


@pytest.fixture
def world(rep, teammate, manager, outsider, admin_user):
    for user in (rep, teammate, manager, outsider, admin_user):
        user.time_zone = "Asia/Shanghai"
        user.save(update_fields=["time_zone"])
    sales_services.set_exchange_rate(admin_user, "USD", "7")
    # the rep's deals
    deal(rep, "一号 won in Dec", "1000", "won", "2026-11-01 08:00", "2026-12-05 08:00")  # 34 days
    # closed 1 Dec 01:00 in Shanghai (still 30 Nov in UTC): December for the rep
    deal(rep, "二号 won in USD", "100", "won", "2026-11-21 01:00", "2026-12-01 01:00", "USD")
    deal(rep, "三号 lost", "500", "lost", "2026-11-15 08:00", "2026-12-10 08:00")
    deal(rep, "四号 open", "2000", "open", "2026-12-02 08:00")
    deal(rep, "五号 won in Nov", "400", "won", "2026-10-01 08:00", "2026-11-20 08:00")
    deal(rep, "六号 won a year before", "850", "won", "2025-11-01 08:00", "2025-12-20 08:00")
    # the teammate's: hidden from the rep, seen by their manager
    deal(teammate, "七号 teammate's", "9999", "won", "2026-12-01 08:00", "2026-12-04 08:00")
    deal(teammate, "八号 teammate's open", "3000", "open", "2026-12-01 08:00")
    # the rep's leads: four this month (one converted), one in November
    made = {}
    for name, source, created, converted in [
        ("甲 web", "web", "2026-12-01 09:00", "2026-12-03 09:00"),
        ("乙 web", "web", "2026-12-02 09:00", None),
        ("丙 web", "web", "2026-12-03 09:00", None),
        ("丁 referral", "referral", "2026-12-04 09:00", None),
        ("戊 old", "web", "2026-11-04 09:00", "2026-12-04 09:00"),
    ]:
        made[name] = lead(rep, name, source, created, converted)
    # first touches: 甲 emailed 6 hours after it came in, 丁 10 hours after; the others not yet
    for name, moment in (("甲 web", "2026-12-01 15:00"), ("丁 referral", "2026-12-04 19:00")):
        touch = log_activity(rep, made[name], "email", {"subject": f"回复 {name}"})
        Activity.objects.filter(pk=touch.pk).update(at=at(moment))
    lead(outsider, "己 outsider's", "event", "2026-12-05 09:00")
    # orders: 老客户 bought in October, November and December (not new, kept), 新客户 first
    # in December (new), 散客 (a person without a company) in December (new); 流失公司
    # bought in November only (not kept); 取消公司 only has a cancelled order
    product = catalog.save_product(admin_user, None, {"sku": "M-1", "name": "计量", "price": "10"})
    lines = [{"product": product.pk, "quantity": "1"}]
    old, new, gone, lost = (
        make_company(rep, n) for n in ("老客户", "新客户", "取消公司", "流失公司")
    )
    walk_in = make_person(rep, "散客")

    def order(customer, ordered, status="open", kind="company"):
        quote = quotes.create_quote(rep, {"title": "报价", kind: customer.pk, "lines": lines})
        quotes.accept_quote(rep, quote)
        Order.objects.filter(quote=quote).update(ordered_at=at(ordered), status=status)
        return quote

    order(old, "2026-10-10 10:00")
    order(old, "2026-11-15 10:00")
    order(lost, "2026-11-16 10:00")
    order(old, "2026-12-10 10:00")
    order(new, "2026-12-11 10:00")
    order(new, "2026-12-12 10:00")
    order(walk_in, "2026-12-13 10:00", kind="person")
    order(gone, "2026-12-09 10:00", status="cancelled")
    # quotes sent: one in December, sent again as version 2 in December (counts once), one
    # in November; the accepted ones above were never sent
    Quote.objects.update(sent_at=None)
    sent = quotes.create_quote(rep, {"title": "发出的报价", "lines": lines})
    sent_twice = quotes.create_quote(rep, {"title": "发了两次", "lines": lines})
    sent_before = quotes.create_quote(rep, {"title": "十一月", "lines": lines})
    Quote.objects.filter(pk=sent.pk).update(sent_at=at("2026-12-02 10:00"), status="sent")
    Quote.objects.filter(pk=sent_twice.pk).update(sent_at=at("2026-12-03 10:00"), status="sent")
    Quote.objects.create(**{
        f.name: getattr(sent_twice, f.name) for f in Quote._meta.concrete_fields
        if f.name not in ("id", "revision", "sent_at")
    }, revision=2, sent_at=at("2026-12-08 10:00"))  # fmt: skip
    Quote.objects.filter(pk=sent_before.pk).update(sent_at=at("2026-11-20 10:00"))
    # activities on the rep's person
    person = make_person(rep, "活动对象")

    def activity(kind, moment, **fields):
        logged = log_activity(rep, person, kind, {"subject": f"{kind} {moment}"})
        Activity.objects.filter(pk=logged.pk).update(at=at(moment), **fields)

    activity("call", "2026-12-01 10:00", direction="out")
    activity("call", "2026-12-02 10:00")
    activity("call", "2026-12-03 10:00", direction="in")  # received, not made
    activity("call", "2026-11-03 10:00", direction="out")
    activity("meeting", "2026-12-10 10:00", ends_at=None)
    activity("meeting", "2026-12-20 10:00", ends_at=None)  # not held yet on the 15th
    activity(
        "task", "2026-12-01 10:00", due_at=at("2026-12-10 18:00"), done_at=at("2026-12-09 10:00")
    )
    activity(
        "task", "2026-12-01 10:00", due_at=at("2026-12-05 18:00"), done_at=at("2026-12-08 10:00")
    )
    activity("task", "2026-12-01 10:00", done_at=at("2026-12-03 10:00"))  # no due time
    return World(rep, teammate, manager, outsider, admin_user)
