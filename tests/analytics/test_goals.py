"""KPI goals: attainment and pacing against hand-computed values of the December world
(conftest: seen on the 15th at noon, Shanghai, which is also the company's time zone), who may
see and set which goals, bad input, and the API."""

import decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from kehu.analytics.goals import progress as pacing
from kehu.analytics.goals import services as goals
from kehu.analytics.goals.models import Goal
from tests.analytics.conftest import NOW
from tests.api.conftest import assert_validation, bearer_client, send

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def december(actor, target, metric="revenue_won", **subject):
    return goals.create_goal(actor, {"metric": metric, "period": "month", "start": "2026-12-09",
                                     "target": target, **subject})  # fmt: skip


def test_user_team_and_company_goals_count_their_subjects_records(world, team_a):
    # December revenue won: the rep 1000 + 100 USD × 7 = 1700; the teammate 9999; team A
    # both; the company the same (the outsider won nothing)
    mine = december(world.manager, "3100", user=world.rep)
    team = december(world.manager, "31000", team=team_a)
    company = december(world.admin, "24000")
    assert (mine.start.isoformat(), mine.end.isoformat()) == ("2026-12-01", "2026-12-31")
    with time_machine.travel(NOW, tick=False):
        rep, whole_team, everyone = (pacing.progress(g) for g in (mine, team, company))
    # 15 of 31 days passed (today included)
    assert rep.actual.value == D("1700.00") and rep.days_passed == 15 and rep.days == 31
    assert rep.expected == D("1500.00")  # 3100 × 15 ÷ 31
    assert rep.status == "ahead"  # 1700 > 1500 + 5 %
    assert rep.percent == D("54.8") and rep.remaining == D("1400.00")
    assert whole_team.actual.value == D("11699.00") and whole_team.expected == D("15000.00")
    assert whole_team.status == "behind" and whole_team.percent == D("37.7")
    # 24000 × 15 ÷ 31 = 11612.90: 11699 is within 5 % of it
    assert everyone.expected == D("11612.90") and everyone.status == "on_track"


def test_a_finished_period_gives_the_final_result_and_history(world):
    november = goals.create_goal(world.manager, {"metric": "revenue_won", "period": "month",
                                                 "start": "2026-11-01", "user": world.rep,
                                                 "target": "1000"})  # fmt: skip
    mine = december(world.manager, "3100", user=world.rep)
    with time_machine.travel(NOW, tick=False):
        result = pacing.progress(november)
        past = pacing.history(world.rep, mine)
    assert result.final and result.status == "missed"
    assert result.actual.value == D("400.00") and result.percent == D("40.0")
    assert [p.goal.pk for p in past] == [november.pk] and past[0].status == "missed"


def test_a_rate_is_expected_at_its_target_and_the_pacing_line(world):
    # the rep closed 3 deals in December, 2 won: 66.7 % against a 60 % goal
    rate = december(world.manager, "60", metric="win_rate", user=world.rep)
    with time_machine.travel(NOW, tick=False):
        result = pacing.progress(rate, with_points=True)
    assert result.actual.value == D("66.7") and result.expected == D("60")
    assert result.status == "ahead"
    revenue = december(world.manager, "3100", user=world.rep)
    with time_machine.travel(NOW, tick=False):
        line = pacing.progress(revenue, with_points=True).points
    by_day = {p["day"].isoformat(): p for p in line}
    assert by_day["2026-12-15"]["actual"] == D("1700.00")
    assert by_day["2026-12-03"]["actual"] == D("700.00")  # only the USD deal by the 3rd
    assert by_day["2026-12-31"]["expected"] == D("3100.00")
    assert by_day["2026-12-31"]["actual"] is None  # still to come


def test_who_sets_and_who_sees_which_goals(world, team_a, team_b):
    mine = december(world.manager, "1", user=world.rep)
    team = december(world.manager, "1", team=team_a)
    theirs = december(world.admin, "1", user=world.outsider)
    other_team = december(world.admin, "1", team=team_b)
    company = december(world.admin, "1")
    with pytest.raises(PermissionDenied):
        december(world.rep, "1", user=world.rep)  # a rep sets no goals
    with pytest.raises(ValidationError) as error:
        december(world.manager, "2", user=world.outsider)  # not the manager's team
    assert "user" in error.value.message_dict
    with pytest.raises(ValidationError):
        december(world.manager, "2", team=team_b)
    with pytest.raises(ValidationError):
        december(world.manager, "2")  # the company's: administrators only
    seen = {
        who: set(goals.visible_goals(getattr(world, who)).values_list("pk", flat=True))
        for who in ("rep", "teammate", "manager", "outsider", "admin")
    }
    assert seen["rep"] == {mine.pk, team.pk}
    assert seen["teammate"] == {team.pk}  # not the rep's own goal
    assert seen["manager"] == {mine.pk, team.pk}
    assert seen["outsider"] == {theirs.pk, other_team.pk}
    assert seen["admin"] == {mine.pk, team.pk, theirs.pk, other_team.pk, company.pk}
    with pytest.raises(Http404):
        goals.get_visible_goal(world.rep, theirs.pk)
    with pytest.raises(PermissionDenied):
        goals.update_goal(world.rep, mine, {"target": "5"})
    goals.update_goal(world.manager, mine, {"target": "5"}, expected_version=1)
    goals.delete_goal(world.manager, Goal.objects.get(pk=mine.pk))
    assert not goals.visible_goals(world.rep).filter(pk=mine.pk).exists()
    assert goals.restore_goal(world.manager, mine.pk).target == D("5.00")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"metric": "no_such_metric"}, "metric"),
        ({"metric": "pipeline_value"}, "metric"),  # a snapshot of now has no period
        ({"period": "custom", "start": "2026-12-10", "end": "2026-12-01"}, "end"),
        ({"period": "custom", "start": "2026-12-10", "end": ""}, "end"),
        ({"period": "week"}, "period"),
        ({"start": "yesterday"}, "start"),
        ({"target": "-5"}, "target"),
        ({"target": "abc"}, "target"),
        ({"metric": "new_customers"}, "user"),  # counted for the whole company only
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(world, data, field):
    base = {"metric": "revenue_won", "period": "month", "start": "2026-12-01",
            "target": "10", "user": world.rep.pk}  # fmt: skip
    with pytest.raises(ValidationError) as error:
        goals.create_goal(world.manager, {**base, **data})
    assert field in error.value.message_dict and not Goal.objects.exists()


def test_one_goal_per_metric_subject_and_period(world):
    december(world.manager, "1", user=world.rep)
    with pytest.raises(ValidationError) as error:
        december(world.manager, "2", user=world.rep)
    assert "period" in error.value.message_dict


def test_goals_api(world, team_a):
    client = bearer_client(world.manager)
    body = {"metric": "revenue_won", "user_id": world.rep.pk, "period": "month",
            "start": "2026-12-01", "target": "3100"}  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        created = send(client, "post", "/api/v1/goals", body)
        assert created.status_code == 201, created.content
        goal_id = created.json()["id"]
        read = client.get(f"/api/v1/goals/{goal_id}")
    data = read.json()
    assert data["progress"]["actual"] == "1700.00" and data["progress"]["status"] == "ahead"
    assert data["progress"]["expected"] == "1500.00" and data["currency"] == "CNY"
    today = next(p for p in data["progress"]["points"] if p["day"] == "2026-12-15")
    assert today == {"day": "2026-12-15", "expected": "1500.00", "actual": "1700.00"}
    etag = read["ETag"]
    changed = send(client, "patch", f"/api/v1/goals/{goal_id}", {"target": "4000"},
                   **{"If-Match": etag})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["target"] == "4000.00"
    stale = send(client, "patch", f"/api/v1/goals/{goal_id}", {"target": "1"},
                 **{"If-Match": etag})  # fmt: skip
    assert stale.status_code == 412
    assert [g["id"] for g in bearer_client(world.rep).get("/api/v1/goals").json()["items"]] == [
        goal_id
    ]
    assert bearer_client(world.outsider).get(f"/api/v1/goals/{goal_id}").status_code == 404
    refused = send(bearer_client(world.rep), "post", "/api/v1/goals", body)
    assert refused.status_code == 403
    assert_validation(send(client, "post", "/api/v1/goals", {**body, "metric": "nope"}), "metric")
    assert_validation(
        send(client, "post", "/api/v1/goals", {**body, "user_id": world.outsider.pk}), "user_id"
    )
    assert_validation(send(client, "post", "/api/v1/goals", {**body, "target": "-1"}), "target")
    gone = send(client, "delete", f"/api/v1/goals/{goal_id}")
    assert gone.status_code == 204 and client.get(f"/api/v1/goals/{goal_id}").status_code == 404


def test_goal_pages(client, world, team_a):
    goal = december(world.manager, "3100", user=world.rep)
    client.force_login(world.manager)
    with time_machine.travel(NOW, tick=False):
        listed = client.get("/goals/", {"month": "2026-12"}).content.decode()
        detail = client.get(f"/goals/{goal.pk}/").content.decode()
        form = client.post("/goals/new/", {"metric": "revenue_won", "subject": f"team-{team_a.pk}",
                                           "period": "month", "start": "2026-12-01",
                                           "target": "-3"})  # fmt: skip
    assert "Revenue won" in listed and "badge ahead" in listed and "1,700.00" in listed
    assert "1,500.00" in detail and "一号 won in Dec" in detail and "2026-12-15" in detail
    assert f"owner={world.rep.pk}" in detail and "close_from=2026-12-01" in detail
    assert 'id="chart-goal-pacing"' in detail  # the shared line chart, with its table
    assert form.status_code == 200 and "Enter a target between 0" in form.content.decode()
    saved = client.post(f"/goals/{goal.pk}/edit/", {"metric": "revenue_won", "version": "1",
                        "subject": f"user-{world.rep.pk}", "period": "month",
                        "start": "2026-12-01", "target": "4000"})  # fmt: skip
    assert saved.status_code == 302 and Goal.objects.get(pk=goal.pk).target == D("4000.00")
    client.force_login(world.rep)
    assert client.get("/goals/new/").status_code == 403
    assert client.get(f"/goals/{goal.pk}/edit/").status_code == 403
    client.force_login(world.outsider)
    assert client.get(f"/goals/{goal.pk}/").status_code == 404
    assert client.post(f"/goals/{goal.pk}/delete/").status_code == 404


def test_a_deleted_goal_comes_back_from_the_goals_page(client, world):
    goal = december(world.manager, "3100", user=world.rep)
    client.force_login(world.manager)
    assert client.post(f"/goals/{goal.pk}/delete/").status_code == 302
    with time_machine.travel(NOW, tick=False):
        page = client.get("/goals/", {"month": "2026-12"}).content.decode()
    assert f"/goals/{goal.pk}/restore/" in page
    client.force_login(world.rep)  # sees the goal, may not change it: nothing to restore
    assert client.post(f"/goals/{goal.pk}/restore/").status_code == 404
    client.force_login(world.manager)
    assert client.post(f"/goals/{goal.pk}/restore/").status_code == 302
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_a_goal_on_the_response_time_to_new_leads_is_better_lower(world):
    """The rep answered new leads in 8 hours (median of 6 and 10) in December: ahead of a 12
    hour goal, behind a 4 hour one."""
    quick = december(world.manager, "12", metric="lead_response_hours", user=world.rep)
    with time_machine.travel(NOW, tick=False):
        result = pacing.progress(quick)
    assert result.actual.value == D("8.0") and result.status == "ahead"
    quick.delete()
    strict = december(world.manager, "4", metric="lead_response_hours", user=world.rep)
    with time_machine.travel(NOW, tick=False):
        assert pacing.progress(strict).status == "behind"
