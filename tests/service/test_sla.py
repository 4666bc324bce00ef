"""SLA clocks on tickets: the policy a ticket falls under, due times in working hours, the
pause while the customer is asked, warnings, breaches and escalation, and recomputing."""

import datetime
import decimal
import zoneinfo

import pytest
import time_machine

from kehu.activities.models import Notification
from kehu.customers import services as customers
from kehu.service.sla import clock
from kehu.service.sla.models import BusinessCalendar, SlaBreach, SlaPolicy
from kehu.service.sla.sweep import sweep
from kehu.service.tickets import services
from kehu.service.tickets.models import Ticket
from tests.factories import make_company, make_person, make_team, make_user

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(*args, zone=SHANGHAI) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zone)


@pytest.fixture
def support(db):
    return make_team("Support")


@pytest.fixture
def agent(support):
    return make_user("agent", role="Support agent", team=support)


@pytest.fixture
def lead(support):
    return make_user("lead", role="Support lead", team=support)


@pytest.fixture
def customer(admin_user):
    company = make_company(admin_user, "金牌客户有限公司", tags=["VIP"])
    return make_person(admin_user, "赵敏", email="zhao@vip.example", company=company.pk)


@pytest.fixture
def policies(db, customer):
    vip = customer.company.tags.get(name="VIP")
    return {
        "vip": SlaPolicy.objects.create(name="VIP", tier_tag=vip, position=0,
                                        first_response_minutes=30, resolution_minutes=240),
        "urgent": SlaPolicy.objects.create(name="Urgent", priority="urgent", position=1,
                                           first_response_minutes=60, resolution_minutes=480),
        "normal": SlaPolicy.objects.create(name="Everyone", position=2, warn_minutes=60,
                                           first_response_minutes=240, resolution_minutes=1440),
    }  # fmt: skip


def opened(actor, requester, when, **data) -> Ticket:
    with time_machine.travel(when, tick=False):
        return services.create_ticket(
            actor, {"subject": "服务器宕机", "requester": requester, **data}
        )


def test_the_first_fitting_policy_applies(admin_user, customer, policies, support):
    plain = make_person(admin_user, "路人甲", email="a@b.example")
    assert opened(admin_user, customer, at(2026, 3, 2, 10)).sla_policy == policies["vip"]
    urgent = opened(admin_user, plain, at(2026, 3, 2, 10), priority="urgent")
    assert urgent.sla_policy == policies["urgent"]
    assert opened(admin_user, plain, at(2026, 3, 2, 10)).sla_policy == policies["normal"]
    with time_machine.travel(at(2026, 3, 2, 11), tick=False):
        changed = services.update_ticket(admin_user, urgent, {"priority": "low"})
    assert changed.sla_policy == policies["normal"]


def test_due_times_count_working_hours_only(admin_user, policies, support):
    """Friday 17:00 in Shanghai, four working hours for the first response: one hour on Friday,
    Monday 09:00–12:00: due at Monday noon; a day of 1,440 working minutes (24 h) spans three
    working days of eight hours, lunch excluded."""
    person = make_person(admin_user, "钱七", email="q@example.com")
    ticket = opened(admin_user, person, at(2026, 3, 6, 17))  # a Friday
    assert ticket.first_response_due_at == at(2026, 3, 9, 12)
    assert ticket.resolution_due_at == at(2026, 3, 11, 17)
    assert ticket.sla_due_at == ticket.first_response_due_at
    assert ticket.sla_check_at == at(2026, 3, 9, 11)  # warned an hour before


def test_the_national_day_holiday_and_its_make_up_day(admin_user, policies):
    """30 September 2025, 17:00: one working hour that day, then the holiday (1–8 October);
    Saturday 11 October is a make-up working day (调休)."""
    person = make_person(admin_user, "孙八", email="s@example.com")
    ticket = opened(admin_user, person, at(2025, 9, 30, 17))
    assert ticket.first_response_due_at == at(2025, 10, 9, 12)  # 1 h + 3 h on the 9th
    ticket = opened(admin_user, person, at(2025, 10, 10, 17))  # Friday before the make-up day
    assert ticket.first_response_due_at == at(2025, 10, 11, 12)


def test_a_team_in_europe_counts_in_its_own_time_zone_across_dst(admin_user, policies):
    europe = make_team("Support EU")
    BusinessCalendar.objects.create(
        name="Berlin", team=europe, time_zone="Europe/Berlin", china_holidays=False,
        hours={str(d): [["00:00", "24:00"]] for d in range(7)},
    )  # fmt: skip
    person = make_person(admin_user, "Hans", email="hans@example.de")
    # 29 March 2026: clocks go forward at 02:00; 24 working hours are 24 real hours
    ticket = opened(admin_user, person, at(2026, 3, 28, 12, zone=BERLIN), team=europe)
    assert ticket.resolution_due_at == at(2026, 3, 29, 13, zone=BERLIN)


def test_waiting_for_the_customer_stops_the_resolution_clock(admin_user, agent, policies):
    person = make_person(admin_user, "周九", email="z@example.com")
    ticket = opened(admin_user, person, at(2026, 3, 2, 9), owner=agent)  # Monday 09:00
    assert ticket.resolution_due_at == at(2026, 3, 4, 18)  # three days of eight hours
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        services.add_message(agent, ticket, "请提供日志", public=True, status="pending")
    ticket.refresh_from_db()
    assert ticket.first_response_at == at(2026, 3, 2, 10)
    assert ticket.sla_due_at is None  # answered, and waiting for the customer
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):  # a working day later
        services.add_customer_reply(ticket, person, "日志在附件", channel="email")
    ticket.refresh_from_db()
    assert ticket.sla_paused_seconds == 8 * 3600
    assert ticket.resolution_due_at == at(2026, 3, 5, 18)  # one working day later
    assert ticket.sla_due_at == ticket.resolution_due_at


def test_the_sweep_warns_then_records_the_breach_and_escalates(
    admin_user, agent, lead, policies, support
):
    policy = policies["normal"]
    policy.raise_priority, policy.escalate_to = True, lead
    policy.save()
    person = make_person(admin_user, "吴十", email="w@example.com")
    ticket = opened(admin_user, person, at(2026, 3, 2, 9), owner=agent)  # FR due 13:00+1h
    assert ticket.first_response_due_at == at(2026, 3, 2, 14)
    assert sweep(at(2026, 3, 2, 12, 59)) == (0, 0)
    assert sweep(at(2026, 3, 2, 13, 1)) == (1, 0)  # an hour before: the agent is warned
    assert Notification.objects.filter(user=agent, kind="sla_warning").count() == 1
    assert sweep(at(2026, 3, 2, 13, 2)) == (0, 0)  # once
    assert sweep(at(2026, 3, 2, 14, 0, 1)) == (0, 1)
    ticket.refresh_from_db()
    breach = SlaBreach.objects.get(ticket=ticket)
    assert breach.kind == "first_response" and breach.due_at == at(2026, 3, 2, 14)
    assert breach.owner == agent
    assert ticket.first_response_breached and not ticket.resolution_breached
    assert ticket.priority == "high" and ticket.owner == lead  # escalated as the policy says
    assert Notification.objects.filter(user=lead, kind="sla_breach").exists()
    assert sweep(at(2026, 3, 2, 15)) == (0, 0)  # recorded once
    # the resolution clock goes on: its warning and breach come in their turn
    assert ticket.sla_check_at == ticket.resolution_due_at - datetime.timedelta(hours=1)


def test_a_met_target_is_not_breached(admin_user, agent, policies):
    person = make_person(admin_user, "郑一", email="zy@example.com")
    ticket = opened(admin_user, person, at(2026, 3, 2, 9), owner=agent)
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        services.add_message(agent, ticket, "收到", public=True, status="solved")
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None and ticket.sla_check_at is None
    assert sweep(at(2026, 3, 20)) == (0, 0)
    assert not SlaBreach.objects.exists()


def test_recomputing_after_a_calendar_change(admin_user, policies, support):
    person = make_person(admin_user, "冯二", email="f@example.com")
    tickets = [opened(admin_user, person, at(2026, 3, 2, 9), team=support) for _ in range(3)]
    solved = opened(admin_user, person, at(2026, 3, 2, 9), team=support)
    Ticket.objects.filter(pk=solved.pk).update(status="solved", sla_due_at=None)
    BusinessCalendar.objects.create(
        name="24/7", team=support, time_zone="Asia/Shanghai", china_holidays=False,
        hours={str(d): [["00:00", "24:00"]] for d in range(7)},
    )  # fmt: skip
    assert clock.recompute([support.pk]) == 3
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.first_response_due_at == at(2026, 3, 2, 13)
        assert ticket.resolution_due_at == at(2026, 3, 3, 9)
    assert Ticket.objects.get(pk=solved.pk).sla_due_at is None


def test_no_policy_no_clock(admin_user):
    person = make_person(admin_user, "陈三", email="c@example.com")
    ticket = opened(admin_user, person, at(2026, 3, 2, 9))
    assert ticket.sla_policy is None and ticket.sla_due_at is None and ticket.sla_check_at is None


def test_a_company_tagged_later_moves_its_open_tickets_on_recompute(admin_user, policies):
    company = make_company(admin_user, "新晋客户")
    person = make_person(admin_user, "褚四", email="chu@example.com", company=company.pk)
    ticket = opened(admin_user, person, at(2026, 3, 2, 9))
    assert ticket.sla_policy == policies["normal"]
    customers.update_company(admin_user, company, {"tags": ["VIP"]})
    clock.recompute()
    ticket.refresh_from_db()
    assert ticket.sla_policy == policies["vip"]


def test_administrators_set_policies_and_calendars_in_the_settings(admin_user, agent, support):
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client()
    assert client.login(username=admin_user.username, password=PASSWORD)
    made = client.post("/settings/sla/", {
        "name": "标准", "priority": "", "tier_tag": "", "first_response_minutes": "120",
        "resolution_minutes": "960", "warn_minutes": "30", "escalate_to": str(agent.pk),
        "position": "0", "active": "on"})  # fmt: skip
    assert made.status_code == 302, made.content.decode()[:2000]
    policy = SlaPolicy.objects.get()
    assert policy.escalate_to == agent and policy.first_response_minutes == 120
    form = {"name": "欧洲组", "team": str(support.pk), "time_zone": "Europe/Berlin",
            "day_0": "08:00-16:00", "day_1": "08:00-16:00", "holidays": "2026-12-24\n2026-12-25",
            "workdays": ""}  # fmt: skip
    saved = client.post("/settings/sla/calendars/new/", form)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    calendar = BusinessCalendar.objects.get()
    assert calendar.hours == {"0": [["08:00", "16:00"]], "1": [["08:00", "16:00"]]}
    assert calendar.holidays == ["2026-12-24", "2026-12-25"] and not calendar.china_holidays
    bad = client.post("/settings/sla/calendars/new/", {**form, "team": "", "day_0": "9点到5点"})
    assert bad.status_code == 200 and "09:00-12:00" in bad.content.decode()
    wrong = client.post(f"/settings/sla/calendars/{calendar.pk}/",
                        {**form, "day_0": "16:00-08:00", "version": calendar.version})  # fmt: skip
    assert wrong.status_code == 200
    assert BusinessCalendar.objects.count() == 1
    assert BusinessCalendar.objects.get().hours["0"] == [["08:00", "16:00"]]
    page = client.get("/settings/sla/").content.decode()
    assert "标准" in page and "欧洲组" in page


def test_the_sla_policies_api(admin_user, agent):
    from tests.api.conftest import assert_validation, bearer_client, send

    admin = bearer_client(admin_user)
    made = send(admin, "post", "/api/v1/sla-policies",
                {"name": "Gold", "priority": "high", "first_response_minutes": 30,
                 "resolution_minutes": 240})  # fmt: skip
    assert made.status_code == 201, made.content
    odd = {"name": "Odd", "first_response_minutes": 300, "resolution_minutes": 60}
    backwards = send(admin, "post", "/api/v1/sla-policies", odd)
    assert_validation(backwards, "resolution_minutes")
    reader = bearer_client(agent)
    assert [p["name"] for p in reader.get("/api/v1/sla-policies").json()["items"]] == ["Gold"]
    refused = send(reader, "patch", f"/api/v1/sla-policies/{made.json()['id']}", {"name": "X"})
    assert refused.status_code == 403
    stale = send(admin, "patch", f"/api/v1/sla-policies/{made.json()['id']}", {"name": "Y"},
                 **{"If-Match": 'W/"9"'})  # fmt: skip
    assert stale.status_code == 412


def test_the_service_metrics_count_working_hours(admin_user, agent, policies, support):
    """Every service metric, computed by hand: three tickets in March 2026 (Shanghai, a
    Chinese office's week)."""
    from kehu.analytics import metrics
    from kehu.analytics.metrics import compute

    person = make_person(admin_user, "卫五", email="wei@example.com")
    fast = opened(admin_user, person, at(2026, 3, 2, 9), owner=agent)  # Monday
    slow = opened(admin_user, person, at(2026, 3, 6, 17), owner=agent)  # Friday evening
    opened(admin_user, person, at(2026, 3, 10, 9), owner=agent)  # still waiting
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        services.add_message(agent, fast, "好了", public=True, status="solved")
    with time_machine.travel(at(2026, 3, 2, 11), tick=False):  # it came back …
        services.add_customer_reply(fast, person, "又坏了", channel="email")
    with time_machine.travel(at(2026, 3, 2, 12), tick=False):  # … and was solved again
        services.update_ticket(agent, Ticket.objects.get(pk=fast.pk), {"status": "solved"})
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):  # Monday: 2 working hours later
        services.add_message(agent, slow, "看看", public=True)
    with time_machine.travel(at(2026, 3, 9, 11), tick=False):
        services.add_message(agent, Ticket.objects.get(pk=slow.pk), "好了", public=True,
                             status="solved")  # fmt: skip
    fast.refresh_from_db()
    slow.refresh_from_db()
    assert fast.first_response_hours == 1 and fast.resolution_hours == 3
    assert slow.first_response_hours == 2 and slow.resolution_hours == 3
    expected = {
        "tickets_opened": 3,
        "tickets_solved": 2,
        "first_response_hours": decimal.Decimal("1.5"),  # median of 1 and 2
        "resolution_hours": 3,
        "tickets_solved_in_sla": 2,
        "tickets_solved_with_sla": 2,
        "sla_attainment": 100,
        "tickets_reopened": 1,
        "reopen_rate": 50,
        "tickets_one_touch": 1,  # the fast one took one reply; the slow one two
        "one_touch_rate": 50,
        "ticket_backlog": 1,
    }
    # the ticket metrics here; the survey ones in test_surveys.py, each computed by hand too
    service = [m for m in metrics.metrics() if m.domain == "service"]
    assert {m.key for m in service if m.record_type == "ticket"} == set(expected)
    assert {m.record_type for m in service} == {"ticket", "survey_response"}
    with time_machine.travel(at(2026, 3, 20, 12), tick=False):
        month = compute.period_for(admin_user, "this_month")
        got = {key: compute.value(key, admin_user, month).total.value for key in expected}
    assert got == expected
