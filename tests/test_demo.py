"""The demo data behind `kehu demo`: realistic, bilingual, deterministic, loaded once."""

import datetime

import phonenumbers
import pytest
from django.utils import timezone

from kehu import demo
from kehu.accounts.models import User
from kehu.activities.models import Activity
from kehu.core.contact import normalize_email, normalize_phone
from kehu.core.models import AuditEntry
from kehu.core.search import search
from kehu.customers.models import Company, CustomField, Person
from kehu.sales.forecast.models import SalesTarget
from kehu.sales.models import Deal, Order, StageChange


def test_plan_is_deterministic_bilingual_and_valid():
    plan = demo.build_plan()
    assert plan == demo.build_plan()
    assert plan != demo.build_plan(seed=7)
    assert len(plan.companies) == 60
    assert len(plan.people) >= 300
    names = [p["name"] for p in plan.people]
    for name in ("张伟", "王芳", "单雄信", "曾国强", "欧阳娜娜"):
        assert name in names
    assert sum(1 for n in names if n.isascii()) >= 90  # English names too
    phones = [p["phone"] for p in plan.people + plan.companies if p["phone"]]
    assert len(phones) > 300
    assert len({normalize_phone(p) for p in phones}) == len(phones)  # valid and distinct
    mobiles = [normalize_phone(p) for p in phones if normalize_phone(p).startswith("+861")]
    assert len(mobiles) > 150
    us = [p for p in phones if normalize_phone(p).startswith("+1")]
    assert us and all(phonenumbers.region_code_for_number(phonenumbers.parse(p)) for p in us)
    for person in plan.people:
        if person["email"]:
            assert normalize_email(person["email"])
    shan = next(p for p in plan.people if p["name"] == "单雄信")
    assert not shan["email"] or shan["email"].startswith(("shan", "xiongxin"))


@pytest.mark.django_db
def test_load_fills_an_empty_database_once_through_the_services():
    assert demo.load(log=lambda _message: None) is True
    assert Company.objects.count() == 60
    people = Person.objects.count()
    assert people >= 300
    admin = User.objects.get(username="admin")
    assert admin.is_admin and admin.check_password(demo.DEMO_PASSWORD)
    teams = dict(User.objects.exclude(team=None).values_list("username", "team__name"))
    assert teams == {
        "zhou.min": "华东销售",
        "liu.yang": "华东销售",
        "emily.carter": "North America",
        "wang.li": "客服中心",
        "sun.hao": "客服中心",
    }
    assert set(CustomField.objects.values_list("key", flat=True)) == {"level", "source"}
    # a service desk at work: tickets in every state, answered, late and solved
    from kehu.service.sla.models import SlaBreach
    from kehu.service.tickets.models import Ticket, TicketMessage

    assert Ticket.objects.count() == 200
    assert set(Ticket.objects.values_list("status", flat=True)) == {
        "new", "open", "pending", "solved", "closed"
    }  # fmt: skip
    assert TicketMessage.objects.filter(kind="note").exists()
    assert SlaBreach.objects.exists()

    # every record has its history, some have later edits
    created = AuditEntry.objects.filter(action="create", content_type__model="person").count()
    assert created == people
    assert AuditEntry.objects.filter(action="update", content_type__model="person").exists()
    # records were written as their owners: a sales rep owns only what they may see
    rep = User.objects.get(username="liu.yang")
    assert Person.objects.visible_to(rep).count() == Person.objects.filter(owner=rep).count() > 0
    # dates are spread out, so date filters and sorting show something
    assert Person.objects.dates("created_at", "month").count() > 6

    # found the way a Chinese user types
    assert list(search(Person.objects.all(), "shanxiongxin").values_list("name", flat=True)) == [
        "单雄信"
    ]
    assert search(Person.objects.all(), "zw").filter(name="张伟").count() == 2

    # three years of closed sales, made at the moments they happened (so are their audit
    # entries, stage changes, quote numbers and orders), and the reps' monthly targets
    closed = Deal.objects.filter(closed_at__isnull=False)
    months = closed.dates("closed_at", "month")
    assert len(months) >= 34 and months[0] < timezone.localdate() - datetime.timedelta(days=1000)
    old = closed.filter(closed_at__lt=timezone.now() - datetime.timedelta(days=700)).first()
    assert old.created_at < old.closed_at
    entry = AuditEntry.objects.get(action="create", content_type__model="deal", object_id=old.pk)
    assert entry.at == old.created_at
    assert StageChange.objects.filter(deal=old).latest("at").at == old.closed_at
    order = Order.objects.filter(ordered_at__year=timezone.localdate().year - 2).first()
    # numbered in the year they were made, not today's (a quote of December may become an
    # order in January)
    made = timezone.localtime(order.quote.created_at).year
    assert made in (order.ordered_at.year, order.ordered_at.year - 1)
    assert (
        order.quote.number.startswith(f"Q-{made}-") and f"-{order.ordered_at.year}-" in order.number
    )
    assert order.deal.stage.kind == "won" and order.deal.closed_at == order.ordered_at
    assert Activity.objects.on(old).filter(kind="call", at__lt=old.closed_at).exists()
    assert SalesTarget.objects.filter(user__username="liu.yang").count() == 13

    # every demo user opens on a filled dashboard (issue 15): numbers, not empty states
    from kehu.analytics.dashboards import services as dashboards

    for user in User.objects.all():
        shown = {w.id: w.shown for w in dashboards.render(user)}
        broken = [key for key, s in shown.items() if "could not be shown" in s.empty]
        assert not broken, (user.username, broken)
        filled = [key for key, s in shown.items() if s.stats or s.lines or s.chart]
        assert len(filled) >= len(shown) - 1, (user.username, shown)
    rep_board = {w.id: w.shown for w in dashboards.render(rep)}
    assert rep_board["my_pipeline"].stats and rep_board["my_goals"].lines
    manager = User.objects.get(username="zhou.min")
    team_board = {w.id: w.shown for w in dashboards.render(manager)}
    assert team_board["team_attainment"].lines and not team_board["pipeline_coverage"].empty

    assert demo.load(log=lambda _message: None) is False  # idempotent
    assert Person.objects.count() == people and User.objects.count() == 6
