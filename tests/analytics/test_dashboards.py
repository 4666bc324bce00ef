"""Role dashboards (issue 15 point 1): each widget's numbers against hand-computed values of the
December world (conftest: seen on the 15th at noon, Shanghai), never counting a record the
viewer may not see (rep, teammate, outsider, manager), the layout services (add, remove, move,
reorder, reset, publish, pin a report), the page and the API."""

import datetime
import decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.activities.models import Activity
from kehu.activities.services import log_activity
from kehu.analytics.dashboards import services
from kehu.analytics.dashboards.models import DashboardLayout
from kehu.analytics.dashboards.widgets import admin, manager, rep
from kehu.analytics.data_quality.rollup import rebuild
from kehu.analytics.goals import services as goals
from kehu.analytics.reports import services as reports
from kehu.customers.models import Person
from kehu.sales.models import Deal
from tests.analytics.conftest import NOW, at
from tests.api.conftest import bearer_client
from tests.factories import make_deal, make_person, make_user

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def ask(user):
    return services.ask_for(user, services.role_of(user), NOW)


def signed_in(user, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


# --- roles and defaults ---------------------------------------------------------------------


def test_each_user_opens_on_their_roles_dashboard(rep, manager, admin_user, readonly_user):
    assert services.role_of(rep) == "rep"
    assert services.role_of(manager) == "manager"
    assert services.role_of(admin_user) == "admin"
    assert services.role_of(readonly_user) == "manager"  # reads everyone's sales
    assert services.layout_of(rep).ids == services.DEFAULTS["rep"]
    assert services.layout_of(manager).source == "default"


# --- rep widgets ----------------------------------------------------------------------------


def test_my_pipeline_counts_only_my_open_deals(world):
    # the rep's open deal: 四号 2000 CNY in Negotiation (70 %); the teammate's 3000 is not theirs
    shown = rep.my_pipeline(ask(world.rep))
    assert [s.text for s in shown.stats] == ["1", "2,000.00 CNY", "1,400.00 CNY"]
    assert shown.stats[0].link == f"/deals/?owner={world.rep.pk}&status=open"
    assert shown.chart.categories == ["Negotiation"] and shown.chart.series[0].values == [
        D("2000.00")]  # fmt: skip
    negotiation = Deal.objects.get(name="四号 open").stage_id
    assert shown.chart.links == [f"/deals/?owner={world.rep.pk}&status=open&stage={negotiation}"]
    # the manager's own pipeline is empty: the team's deals are not "mine"
    assert rep.my_pipeline(ask(world.manager)).empty
    assert rep.my_pipeline(ask(world.outsider)).empty


def test_my_tasks_and_deals_without_a_next_step(world):
    person = Person.objects.get(name="活动对象")
    log_activity(world.rep, person, "task", {"subject": "过期", "due_at": at("2026-12-14 09:00")})
    log_activity(world.rep, person, "task", {"subject": "今天", "due_at": at("2026-12-15 17:00")})
    log_activity(world.rep, person, "task", {"subject": "明天", "due_at": at("2026-12-16 09:00")})
    other = make_person(world.teammate, "队友的")
    log_activity(world.teammate, other, "task", {"subject": "x", "due_at": at("2026-12-01 09:00")})
    with time_machine.travel(NOW, tick=False):
        tasks = rep.my_tasks(ask(world.rep))
        outsider = rep.my_tasks(ask(world.outsider))
    assert [(s.label, s.text) for s in tasks.stats] == [("Due today", "1"), ("Overdue", "1")]
    assert tasks.stats[0].link == reverse("my-day")
    assert outsider.empty
    without = rep.deals_without_next_step(ask(world.rep))
    assert without.stats[0].text == "1"  # 四号; the teammate's open deal is not counted
    assert "next_step=none" in without.stats[0].link
    Deal.objects.filter(name="四号 open").update(next_step="打电话")
    assert rep.deals_without_next_step(ask(world.rep)).empty


def test_the_drill_down_lists_the_same_records(world):
    client = signed_in(world.rep)
    link = rep.deals_without_next_step(ask(world.rep)).stats[0].link
    page = client.get(link).content.decode()
    assert "四号 open" in page and "八号" not in page
    stale = client.get("/deals/?status=open&stale=1")
    assert stale.status_code == 200


def test_my_goals_show_attainment_and_pacing(world):
    goal = goals.create_goal(world.manager, {"metric": "revenue_won", "period": "month",
                                             "start": "2026-12-01", "user": world.rep,
                                             "target": "3100"})  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        shown = rep.my_goals(ask(world.rep))
        teammate = rep.my_goals(ask(world.teammate))
    (line,) = shown.lines
    assert line.text == "1,700.00 CNY / 3,100.00 CNY · 54.8%"
    assert line.link == reverse("goal-detail", args=[goal.pk]) and line.bar == 54.8
    assert "Ahead" in line.note and "1,500.00 CNY" in line.note
    assert teammate.empty  # the rep's goal is not the teammate's


def test_my_activity_this_week_against_my_usual(world):
    from kehu.analytics.adoption.models import AdoptionDay

    AdoptionDay.objects.all().delete()  # what the world's making logged today
    # this week (Monday 14 Dec): 3 calls; the 8 weeks before: 16 notes in all → usual 2
    AdoptionDay.objects.create(user=world.rep, day=datetime.date(2026, 12, 14), calls=3,
                               active=True)  # fmt: skip
    AdoptionDay.objects.create(user=world.rep, day=datetime.date(2026, 11, 2), notes=16,
                               active=True)  # fmt: skip
    AdoptionDay.objects.create(user=world.teammate, day=datetime.date(2026, 12, 14), calls=50,
                               active=True)  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        shown = rep.my_activity(ask(world.rep))
    assert [s.text for s in shown.stats] == ["3", "2"]


# --- manager widgets ------------------------------------------------------------------------


def test_team_attainment_ranks_the_members_the_manager_sees(world):
    goals.create_goal(world.manager, {"metric": "revenue_won", "period": "month",
                                      "start": "2026-12-01", "user": world.rep,
                                      "target": "3100"})  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        shown = manager.team_attainment(ask(world.manager))
        outsider_view = manager.team_attainment(ask(world.outsider))
    assert [(line.label, line.text) for line in shown.lines] == [
        ("rep", "1,700.00 CNY / 3,100.00 CNY · 54.8%"),
        ("teammate", "9,999.00 CNY"),
    ]
    assert [line.bar for line in shown.lines] == [54.8, None]
    assert "status=won" in shown.lines[0].link and "close_from=2026-12-01" in shown.lines[0].link
    # an outsider (a rep of team B) sees only themself: nothing won
    assert outsider_view.empty


def test_sales_kpis_and_coverage_over_the_team(world, team_a):
    with time_machine.travel(NOW, tick=False):
        kpis = manager.sales_kpis(ask(world.manager))
        no_goal = manager.pipeline_coverage(ask(world.manager))
        goals.create_goal(world.manager, {"metric": "revenue_won", "period": "quarter",
                                          "start": "2026-10-01", "team": team_a,
                                          "target": "20000"})  # fmt: skip
        coverage = manager.pipeline_coverage(ask(world.manager))
    # Q4 for team A: won 一号 1000, 二号 700, 五号 400, 七号 9999; lost 三号 → 4 ÷ 5
    assert [s.text for s in kpis.stats][:2] == ["80%", "3,024.75 CNY"]
    assert "close_from=2026-10-01" in kpis.stats[0].link
    assert no_goal.empty and no_goal.stats[0].text == "3,500.00 CNY"  # (2000 + 3000) × 70 %
    # still to win 20000 − 12099 = 7901; 3500 ÷ 7901 = 0.44
    assert [s.text for s in coverage.stats] == ["0.44×", "3,500.00 CNY", "7,901.00 CNY"]


def test_stale_deals_and_forecast(world):
    Deal.objects.filter(name="四号 open").update(updated_at=at("2026-01-01 08:00"))
    with time_machine.travel(NOW, tick=False):
        stale = manager.stale_deals(ask(world.manager))
        rep_stale = manager.stale_deals(ask(world.outsider))
        forecast = manager.forecast_this_month(ask(world.manager))
    names = [line.label for line in stale.lines]
    assert "四号 open" in names and stale.stats[0].link == "/deals/?status=open&stale=1"
    assert rep_stale.empty
    # December won for team A: 1000 + 700 + 9999
    assert forecast.stats[0].text == "11,699.00 CNY"


def test_activity_by_member(world):
    from kehu.analytics.adoption.models import AdoptionDay

    AdoptionDay.objects.all().delete()
    AdoptionDay.objects.create(user=world.rep, day=datetime.date(2026, 12, 14), calls=3,
                               active=True)  # fmt: skip
    AdoptionDay.objects.create(user=world.outsider, day=datetime.date(2026, 12, 14), calls=9,
                               active=True)  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        shown = manager.activity_by_member(ask(world.manager))
    assert shown.chart.categories[0] == "rep" and shown.chart.series[0].values[0] == 3
    assert "outsider" not in shown.chart.categories


# --- admin widgets --------------------------------------------------------------------------


def test_data_quality_and_health(world):
    make_person(world.admin, "有电话", phone="13912345678")
    rebuild()  # what the worker does a minute after the change
    shown = admin.data_quality(ask(world.admin))
    # people: 散客, 活动对象 (no phone, email or company) and 有电话 (no company)
    assert [s.text for s in shown.stats][:3] == ["0.0%", "66.7%", "100.0%"]
    assert shown.stats[1].link == "/people/?contact=none"
    page = signed_in(world.admin).get(shown.stats[1].link).content.decode()
    assert "散客" in page and "有电话" not in page
    health = admin.system_health(ask(world.admin))
    assert [s.text for s in health.stats][:2] == ["0 / 0", "0 / 0"]


# --- layouts --------------------------------------------------------------------------------


def test_add_remove_move_reorder_and_reset(rep):
    with pytest.raises(ValidationError):
        services.add_widget(rep, "team_attainment")  # a manager's widget
    with pytest.raises(ValidationError):
        services.add_widget(rep, "nonsense'; drop table")
    assert not DashboardLayout.objects.exists()
    ids = services.remove_widget(rep, "my_tasks")
    assert "my_tasks" not in ids and services.layout_of(rep).source == "own"
    ids = services.add_widget(rep, "my_tasks")
    assert ids[-1] == "my_tasks"
    ids = services.move_widget(rep, "my_tasks", -1)
    assert ids[-2] == "my_tasks"
    reordered = list(reversed(ids))
    assert services.set_order(rep, reordered) == reordered
    with pytest.raises(ValidationError):
        services.set_order(rep, reordered[:-1])
    assert services.reset(rep) == services.DEFAULTS["rep"]


def test_a_manager_publishes_to_the_team(rep, manager, outsider):
    with pytest.raises(PermissionDenied):
        services.publish(rep)
    services.set_order(manager, services.layout_of(manager).ids)
    services.add_widget(manager, "my_pipeline")
    services.publish(manager)
    published = services.layout_of(rep)
    # the rep gets the team's layout without the manager-only widgets
    assert published.source == "team" and published.ids == ["my_pipeline"]
    assert services.layout_of(outsider).source == "default"
    services.add_widget(rep, "my_tasks")  # their own from now on
    assert services.layout_of(rep).source == "own"
    assert services.reset(rep) == ["my_pipeline"]


def test_pinning_a_report_shows_its_chart_only_to_those_who_may_open_it(world):
    report = reports.create_report(world.rep, {"name": "我的赢单", "definition": {
        "record_type": "deal", "group_by": ["stage"], "measure": {"how": "count"},
        "chart": "bar"}})  # fmt: skip
    client = signed_in(world.rep)
    assert client.post(reverse("report-pin", args=[report.pk])).status_code == 302
    assert f"report:{report.pk}" in services.layout_of(world.rep).ids
    (pinned,) = [w for w in services.render(world.rep, now=NOW) if w.id.startswith("report:")]
    assert pinned.label == "我的赢单" and pinned.shown.chart is not None
    assert sum(pinned.shown.chart.series[0].values) == 6  # the rep's six deals
    # someone else's private report: 404 to pin, refused as a widget
    assert (
        signed_in(world.teammate).post(reverse("report-pin", args=[report.pk])).status_code == 404
    )
    with pytest.raises(ValidationError):
        services.add_widget(world.teammate, f"report:{report.pk}")


# --- the page and the API -------------------------------------------------------------------


def test_the_home_page_shows_the_roles_widgets(world):
    rep_page = signed_in(world.rep).get("/").content.decode()
    assert "My open pipeline" in rep_page and "Team attainment" not in rep_page
    assert 'href="/deals/?owner=' in rep_page
    manager_page = signed_in(world.manager, "zh-hans").get("/").content.decode()
    assert "团队达成" in manager_page
    edit = signed_in(world.rep).get("/?edit=1").content.decode()
    assert 'name="widget"' in edit and "Reset to the default" in edit


def test_the_page_forms_change_the_layout(rep):
    client = signed_in(rep)
    assert client.post(reverse("dashboard-remove"), {"widget": "my_tasks"}).status_code == 302
    assert "my_tasks" not in services.layout_of(rep).ids
    client.post(reverse("dashboard-add"), {"widget": "my_tasks"})
    client.post(reverse("dashboard-move"), {"widget": "my_tasks", "direction": "up"})
    assert services.layout_of(rep).ids[-2] == "my_tasks"
    bad = client.post(reverse("dashboard-add"), {"widget": "adoption"}, follow=True)
    assert "cannot be added" in bad.content.decode()
    order = list(reversed(services.layout_of(rep).ids))
    answer = client.post(reverse("dashboard-order"), {"widget": order},
                         headers={"X-Requested-With": "fetch"})  # fmt: skip
    assert answer.json() == {"widgets": order}
    refused = client.post(reverse("dashboard-order"), {"widget": ["x"]},
                          headers={"X-Requested-With": "fetch"})  # fmt: skip
    assert refused.status_code == 400
    client.post(reverse("dashboard-reset"))
    assert services.layout_of(rep).source == "default"
    assert client.post(reverse("dashboard-publish")).status_code == 403


def test_a_new_instance_shows_helpful_text_not_zeros(rep, admin_user):
    page = signed_in(rep).get("/").content.decode()
    assert "You have no open deals" in page and "No goal is set for you" in page
    admin_page = signed_in(admin_user).get("/").content.decode()
    assert "No people yet" in admin_page
    assert "could not be shown" not in page + admin_page


def test_the_page_costs_a_fixed_number_of_queries(world):
    for n in range(5):
        make_deal(world.rep, f"更多 {n}", amount="10")
    client = signed_in(world.manager)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(20):
        make_deal(world.teammate, f"再多 {n}", amount="10")
        Activity.objects.none()
    with CaptureQueriesContext(connection) as many:
        client.get("/")
    assert len(many) == len(few)


def test_the_api_gives_the_callers_dashboard(world):
    body = bearer_client(world.rep).get("/api/v1/dashboards").json()
    assert body["role"] == "rep" and body["source"] == "default"
    pipeline = next(w for w in body["widgets"] if w["id"] == "my_pipeline")
    assert pipeline["stats"][1]["value"] == "2000.00"
    team = bearer_client(world.manager).get("/api/v1/dashboards").json()
    assert team["role"] == "manager"
    assert Client().get("/api/v1/dashboards").status_code == 401


def test_every_widget_speaks_chinese(world):
    """Each widget's label and help line, and each dashboard as a Chinese reader sees it (with
    numbers and in its empty states), have no English left untranslated."""
    import html
    import re

    from django.utils import translation

    from kehu.analytics.dashboards.widgets import widgets
    from tests.e2e.test_page_walk import untranslated_words

    with translation.override("zh-hans"):
        for w in widgets():
            assert re.search(r"[\u4e00-\u9fff]", str(w.label)), w.key
            assert re.search(r"[\u4e00-\u9fff]", str(w.help)), w.key
    names = {"rep", "teammate", "manager", "outsider", "admin", "newadmin"}  # user names
    empty_admin = make_user("newadmin", role="Administrator")
    for user in (world.rep, world.manager, world.admin, world.outsider, empty_admin):
        page = signed_in(user, "zh-hans").get("/?edit=1").content.decode()
        main = page[page.index("<main") : page.index("</main>")]
        visible = re.sub(r"<(script|select)[^>]*>.*?</\1>", " ", main, flags=re.S)
        visible = html.unescape(re.sub(r"<[^>]+>", " ", visible))
        left = [w for w in untranslated_words(visible) if w not in names]
        assert not left, (user.username, left)


def test_the_lists_show_the_filters_a_number_opened_them_with(world):
    deals = signed_in(world.rep).get("/deals/?status=open&next_step=none").content.decode()
    assert 'name="next_step" value="none" checked' in deals and "四号 open" in deals
    assert signed_in(world.rep).get("/deals/?next_step=bad").status_code == 200
    people = signed_in(world.admin).get("/people/?contact=none&owner=inactive").content.decode()
    assert 'name="contact" value="none" checked' in people
    assert '<option value="inactive" selected>' in people
