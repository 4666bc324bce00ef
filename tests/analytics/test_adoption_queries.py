"""What the adoption dashboard will read: weekly numbers per user and team, the trend, the
state of records now, the time to first touch and the neglected records, each limited to
the colleagues (and records) the viewer may see."""

import datetime

import pytest
from django.utils import timezone

from kehu.activities import services as activities
from kehu.analytics.adoption import queries
from kehu.analytics.adoption.models import AdoptionDay
from kehu.analytics.adoption.recording import add
from kehu.customers import services as customers
from kehu.sales.deals import services as deals
from kehu.sales.leads import services as leads
from kehu.sales.models import Deal, Lead
from tests.factories import make_company, make_deal

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 11, 2)  # ISO week 45


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def weeks_of_work(rep, teammate, outsider):
    """The rep active three days of week 45 and one of week 46, the teammate once, the
    outsider (another team) every day."""
    for day, calls in ((MONDAY, 2), (MONDAY + days(1), 1), (MONDAY + days(4), 0)):
        add(rep.pk, day, {"calls": calls, "actions": calls, "records_created": 1})
    add(rep.pk, MONDAY + days(8), {"notes": 3, "actions": 3})
    add(teammate.pk, MONDAY + days(2), {"logins": 1}, seen=True)
    for n in range(14):
        add(outsider.pk, MONDAY + days(n), {"meetings": 1})


def usernames(rows) -> list[str]:
    return [r.user.username for r in rows]


def test_a_rep_sees_only_their_own_weeks(rep, weeks_of_work):
    rows = queries.weekly_by_user(rep, MONDAY, MONDAY + days(13))
    assert usernames(rows) == ["rep"]
    week45, week46 = rows[0].weeks
    assert (week45.week, week45.active_days) == (MONDAY, 3)
    assert (week45.sums["calls"], week45.sums["records_created"], week45.activities_logged) == (
        3,
        3,
        3,
    )
    assert (week46.week, week46.active_days, week46.activities_logged) == (MONDAY + days(7), 1, 3)


def test_a_manager_sees_their_team_and_its_sums(manager, weeks_of_work):
    rows = queries.weekly_by_user(manager, MONDAY, MONDAY + days(13))
    assert usernames(rows) == ["manager", "rep", "teammate"]  # not the outsider
    (team,) = queries.weekly_by_team(manager, MONDAY, MONDAY + days(13))
    assert team.team.name == "Team A" and team.members == 3
    week45 = team.weeks[0]
    assert (week45.active_days, week45.active_users, week45.sums["logins"]) == (4, 2, 1)
    assert team.average_active_days(week45) == pytest.approx(4 / 3)


def test_an_administrator_sees_every_team(admin_user, weeks_of_work):
    teams = queries.weekly_by_team(admin_user, MONDAY, MONDAY + days(13))
    assert [str(t.team) for t in teams] == ["Team A", "Team B", "None"]
    assert teams[1].weeks[0].sums["meetings"] == 7


def test_the_trend_runs_weekly_since_go_live_with_empty_weeks_as_zero(
    rep, manager, outsider, weeks_of_work
):
    assert queries.go_live(rep) == MONDAY
    series = queries.trend(manager)
    assert series[0].week == MONDAY and series[-1].week == queries.week_start(timezone.localdate())
    assert [w.active_days for w in series[:3]] == [4, 1, 0]
    assert all(w.active_days == 0 for w in series[2:])
    assert [w.active_days for w in queries.trend(rep)[:2]] == [3, 1]
    mine = queries.trend(manager, user_ids=[rep.pk])  # one colleague's line
    assert [w.active_days for w in mine[:2]] == [3, 1]
    assert queries.trend(rep, user_ids=[outsider.pk]) == []  # not in the rep's scope


def test_nobody_recorded_yet_has_no_trend(rep):
    assert queries.trend(rep) == [] and queries.go_live(rep) is None


def test_record_states_now_per_colleague(rep, teammate, manager, outsider):
    company = make_company(rep, "阿里巴巴")
    customers.create_person(rep, {"name": "李娜", "phone": "13800138000", "company": company})
    customers.create_person(rep, {"name": "王芳", "email": "wf@example.com"})  # no company
    customers.create_person(teammate, {"name": "赵磊"})
    make_deal(rep, next_step="送样品")
    make_deal(rep, next_step_due=timezone.localdate() + days(3))
    make_deal(rep)
    make_deal(outsider, next_step="签约")
    person = customers.create_person(rep, {"name": "陈晨"})
    now = timezone.now()
    activities.log_activity(rep, person, "task", {"subject": "回电", "due_at": now - days(1)})
    activities.log_activity(rep, person, "task", {"subject": "报价", "due_at": now + days(1)})

    shares = queries.deals_with_next_step(manager)
    assert (shares[rep.pk].part, shares[rep.pk].whole) == (2, 3)
    assert outsider.pk not in shares
    contact = queries.people_with_contact_data(manager)
    assert (contact[rep.pk].part, contact[rep.pk].whole) == (1, 3)
    assert contact[teammate.pk].ratio == 0
    assert queries.overdue_tasks(manager) == {rep.pk: 1}
    # a rep's numbers are their own only
    assert set(queries.people_with_contact_data(teammate)) == {teammate.pk}
    assert queries.overdue_tasks(teammate) == {}
    assert queries.deals_with_next_step(outsider)[outsider.pk].ratio == 1


def test_the_median_time_to_first_touch_of_new_leads(rep, manager, outsider):
    made = timezone.now() - datetime.timedelta(hours=30)

    def lead(name: str, owner=rep) -> Lead:
        found = leads.create_lead(owner, {"name": name, "owner": owner})
        Lead.objects.filter(pk=found.pk).update(created_at=made)
        found.refresh_from_db()
        return found

    called, qualified, waiting = lead("张三"), lead("李四"), lead("王五")
    lead("赵六", owner=outsider)
    activities.log_activity(
        rep, called, "call", {"subject": "首次通话", "at": made + datetime.timedelta(hours=2)}
    )
    leads.update_lead(rep, qualified, {"status": "contacted"})  # now: 30 hours after
    first = (made - days(1)).date()
    found = queries.first_touch(manager, first)
    assert set(found) == {rep.pk}
    touch = found[rep.pk]
    assert (touch.touched, touch.untouched) == (2, 1)
    assert touch.median is not None
    assert touch.median.total_seconds() == pytest.approx(16 * 3600, abs=120)  # of 2 h and 30 h
    assert waiting.status == "new"
    assert set(queries.first_touch(outsider, first)) == {outsider.pk}


def test_neglected_records_come_a_capped_page_at_a_time(rep, manager, outsider):
    long_ago = timezone.now() - days(120)
    quiet = [make_deal(rep, name=f"老项目 {n}") for n in range(3)]
    busy = make_deal(rep, name="活跃项目")
    make_deal(rep, name="新项目")  # made this week: not neglected
    theirs = make_deal(outsider, name="别人的项目")
    won = make_deal(rep, name="已赢项目")
    for n, deal in enumerate([*quiet, busy, theirs, won]):
        Deal.objects.filter(pk=deal.pk).update(created_at=long_ago, updated_at=long_ago + days(n))
    Deal.objects.filter(pk=won.pk).update(closed_at=long_ago)
    activities.log_activity(rep, busy, "call", {"subject": "跟进"})
    person = customers.create_person(rep, {"name": "老客户"})
    customers.create_person(rep, {"name": "新客户"})
    type(person).objects.filter(pk=person.pk).update(created_at=long_ago)

    first = queries.neglected_deals(manager, limit=2)
    assert [d.name for d in first.items] == ["老项目 0", "老项目 1"]
    rest = queries.neglected_deals(manager, cursor=first.next_cursor, limit=2)
    assert [d.name for d in rest.items] == ["老项目 2"] and rest.next_cursor is None
    assert [d.name for d in queries.neglected_deals(outsider).items] == ["别人的项目"]
    assert queries.neglected_deals(manager, limit=10_000).next_cursor is None  # capped, no error
    assert [p.name for p in queries.neglected_people(manager).items] == ["老客户"]
    assert queries.neglected_people(outsider).items == []


def test_a_deal_edited_counts_and_has_a_next_step(rep):
    deal = make_deal(rep)
    deals.update_deal(rep, deal, {"next_step": "再次拜访"})
    assert queries.deals_with_next_step(rep)[rep.pk].ratio == 1
    (today,) = AdoptionDay.objects.filter(user=rep)
    assert (today.records_created, today.records_updated) == (1, 1)


def test_the_measures_are_named_in_both_languages():
    from django.utils import translation

    from kehu.analytics.adoption.measures import MEASURES

    with translation.override("zh-hans"):
        assert str(MEASURES["active_days"].label) == "活跃天数"
        assert str(MEASURES["first_touch"].label) == "首次跟进用时"
    assert str(MEASURES["neglected_deals"].label) == "Neglected deals"
