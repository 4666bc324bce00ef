# mypy: disable-error-code="union-attr"
"""Three years of sales behind the demo: deals opened and closed month by month, won ones
with an accepted quote and its order, calls and meetings along the way, and monthly targets,
so dashboards, goals and reports open on a history rather than on one afternoon.

Everything is made through the services, at the moment it happened: the clock is moved to
each step (time-machine), so every record, stage change, quote number, order and audit entry
carries the same, true date, as if the team had used Kehu all along. The numbers grow a
little year by year, and a rep's win rate climbs after the first year (the CRM paying off).
"""

import datetime
import random
from decimal import Decimal

import time_machine
from django.utils import timezone

from kehu.activities import services as activities
from kehu.demo.accounts import USERS
from kehu.sales.deals import services as sales
from kehu.sales.forecast import services as forecast
from kehu.sales.models import Pipeline, Product
from kehu.sales.quotes import services as quotes

#: how far back the history goes, in months
MONTHS = 36

SUBJECTS = {
    "zh": ["年度许可续费", "新部门上线", "系统扩容", "实施服务"],
    "en": ["Licence renewal", "New department", "Capacity upgrade", "Services"],
}
LOST_REASONS = ["价格太高", "选了竞争对手", "预算取消", "Chose a competitor", "No budget"]


def _month_start(today: datetime.date, back: int) -> datetime.date:
    month = today.year * 12 + today.month - 1 - back
    return datetime.date(month // 12, month % 12 + 1, 1)


def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A working-hours moment of `day` in the current time zone."""
    naive = datetime.datetime.combine(day, datetime.time(rng.randint(9, 17), rng.randint(0, 59)))
    return timezone.make_aware(naive)


def add_history(rng: random.Random, users: dict, companies: list, months: int = MONTHS) -> int:
    """Closed deals of the past `months` months for each rep, with their quotes, orders,
    calls and meetings, and the reps' monthly targets; returns how many deals were made."""
    reps = [users[u] for u, _display, role, _team in USERS if role == "Sales rep"]
    pipeline = Pipeline.objects.order_by("position", "id").first()
    stages = list(pipeline.stages.all())
    won = next(s for s in stages if s.kind == "won")
    lost = next(s for s in stages if s.kind == "lost")
    middle = [s for s in stages if s.kind == "open"][1:]
    licence = Product.objects.get(sku="KH-STD")
    services = Product.objects.get(sku="KH-IMPL")
    now = timezone.now()
    today = timezone.localdate()
    own = {rep.pk: [c for c in companies if c.owner_id == rep.pk] or companies for rep in reps}
    made = 0
    for back in range(months, 0, -1):
        first = _month_start(today, back)
        year = (MONTHS - back) // 12  # 0, 1, 2: the team grows with the CRM
        for rep in reps:
            for _ in range(rng.randint(1, 2) + (year + 1) // 2):
                opened = _moment(first + datetime.timedelta(days=rng.randint(0, 27)), rng)
                closes = opened + datetime.timedelta(days=rng.randint(8, 70) - 6 * year)
                if closes >= now:
                    continue
                chance = 0.28 + (0.12 if year else 0.0) + 0.04 * year
                kit = (won, lost, middle, licence, services)
                wins = rng.random() < chance
                _one_deal(rng, rep, rng.choice(own[rep.pk]), opened, closes, wins, kit)
                made += 1
        if back <= 12:
            _targets(rng, users, reps, first)
    _targets(rng, users, reps, _month_start(today, 0))  # this month's, to pace against
    return made


def _one_deal(rng, rep, company, opened, closes, wins, kit) -> None:
    won, lost, middle, licence, services = kit
    chinese = any("\u4e00" <= ch <= "\u9fff" for ch in company.name)
    seats = rng.choice([10, 20, 30, 50, 80, 120])
    with time_machine.travel(opened, tick=False):
        deal = sales.create_deal(
            rep,
            {
                "name": f"{company.name} · {rng.choice(SUBJECTS['zh' if chinese else 'en'])}",
                "pipeline": won.pipeline,
                "company": company,
                "owner": rep,
                "amount": str(seats * 1200),
                "currency": "CNY",
                "expected_close": closes.date(),
            },
        )
        activities.log_activity(
            rep, deal, "call",
            {"subject": "初次电话沟通" if chinese else "First call", "direction": "out",
             "outcome": "connected", "duration_minutes": rng.randint(5, 30), "at": opened},
        )  # fmt: skip
    midway = opened + (closes - opened) / 2
    with time_machine.travel(midway, tick=False):
        deal = sales.move_deal(rep, deal, rng.choice(middle))
        activities.log_activity(
            rep, deal, "meeting",
            {"subject": "方案演示" if chinese else "Demo", "at": midway,
             "ends_at": midway + datetime.timedelta(hours=1)},
        )  # fmt: skip
        if wins:
            lines = [{"product": licence.pk, "quantity": str(seats)},
                     {"product": services.pk, "quantity": str(rng.randint(2, 8))}]  # fmt: skip
            quote = quotes.send_quote(rep, quotes.create_quote(rep, {"deal": deal.pk,
                                                                     "lines": lines}))  # fmt: skip
    with time_machine.travel(closes, tick=False):
        if wins:
            quotes.accept_quote(rep, quote, "客户已签字" if chinese else "Signed")
            deal.refresh_from_db()
            sales.move_deal(rep, deal, won)
        else:
            sales.move_deal(rep, deal, lost, reason=rng.choice(LOST_REASONS))


def _targets(rng, users, reps, first: datetime.date) -> None:
    """Each rep's won-revenue target for the month starting `first`."""
    admin = users["admin"]
    period = forecast.parse_period(f"{first.year}-{first.month:02d}")
    for rep in reps:
        amount = Decimal(rng.randrange(8, 16) * 10000)
        forecast.set_target(admin, period, user=rep, amount=str(amount))
