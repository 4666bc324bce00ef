"""The staff adoption page: one week per person and per team, the trend since go-live and the
neglected records, each limited to the colleagues and records the viewer may see."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.analytics.adoption.recording import add
from kehu.sales.models import Deal
from tests.factories import make_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def used(rep, teammate, outsider):
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    add(rep.pk, monday, {"calls": 2, "notes": 1, "actions": 3, "records_created": 4})
    add(teammate.pk, monday, {"logins": 1}, seen=True)
    add(outsider.pk, monday, {"meetings": 7})
    old = timezone.now() - datetime.timedelta(days=60)
    quiet = make_deal(rep, "沉睡的商机 Quiet deal")
    Deal.objects.filter(pk=quiet.pk).update(created_at=old, updated_at=old)
    hidden = make_deal(outsider, "外人的商机 Outsider deal")
    Deal.objects.filter(pk=hidden.pk).update(created_at=old, updated_at=old)
    return monday


def page(client, viewer, **query):
    client.force_login(viewer)
    response = client.get(reverse("adoption"), query)
    assert response.status_code == 200
    return response


def test_a_rep_sees_only_their_own_week(client, rep, used):
    response = page(client, rep)
    people = response.context["people"]
    assert [r.label for r in people] == [str(rep)]
    assert people[0].week.activities_logged == 3
    assert people[0].week.sums["records_created"] == 5  # 4 + the quiet deal made today
    # Monday's logged work, and today's opening of the page (the same day on a Monday)
    assert people[0].week.active_days == len({used, timezone.localdate()})
    assert response.context["teams"] == []  # one person: no team table
    html = response.content.decode()
    assert "沉睡的商机" in html and "外人的商机" not in html
    assert response.context["chart"] is not None


def test_a_manager_sees_the_team_per_person_and_summed(client, manager, used):
    response = page(client, manager)
    assert [r.label for r in response.context["people"]] == ["manager", "rep", "teammate"]
    (team,) = response.context["teams"]
    # the manager is active too: opening the page is a use of Kehu
    assert (team.members, team.week.active_users, team.week.activities_logged) == (3, 3, 3)
    assert "外人的商机" not in response.content.decode()


def test_an_admin_sees_everyone_and_an_earlier_week_is_empty(client, admin_user, used):
    response = page(client, admin_user, week=str(used - datetime.timedelta(days=7)))
    assert "outsider" in [r.label for r in response.context["people"]]
    assert all(r.week.activities_logged == 0 for r in response.context["people"])
    assert response.context["next"] == used.isoformat()


@pytest.mark.parametrize("week", ["yesterday", "2999-01-01", "0000-13-45", ""])
def test_a_bad_or_future_week_shows_this_week(client, rep, used, week):
    assert page(client, rep, week=week).context["monday"] == used


def test_a_manager_reads_one_colleagues_trend_but_not_a_strangers(
    client, manager, rep, outsider, used
):
    response = page(client, manager, user=str(rep.pk))
    assert response.context["person"] == rep
    chart = response.context["chart"]
    assert str(rep) in chart.title
    assert chart.links[-1].endswith(f"&user={rep.pk}")
    assert sum(chart.series[1].values) == 3  # only the rep's activities, not the outsider's 7
    for hidden in (str(outsider.pk), "abc", "-1", str(2**70)):
        response = page(client, manager, user=hidden)
        assert response.context["person"] is None
        assert str(outsider) not in response.context["chart"].title


def test_neglected_deals_come_a_page_at_a_time(client, rep, used, monkeypatch):
    from kehu.analytics.adoption import views

    monkeypatch.setattr(views, "NEGLECTED_SHOWN", 1)
    old = timezone.now() - datetime.timedelta(days=50)
    second = make_deal(rep, "第二个沉睡的商机")
    Deal.objects.filter(pk=second.pk).update(created_at=old, updated_at=old)
    first = page(client, rep)
    assert [d.name for d in first.context["neglected_deals"]] == ["沉睡的商机 Quiet deal"]
    cursor = first.context["more_deals"]
    assert cursor
    following = page(client, rep, deals=cursor)
    assert [d.name for d in following.context["neglected_deals"]] == ["第二个沉睡的商机"]
    assert following.context["later_deals"] and not following.context["more_deals"]
    assert page(client, rep, deals="not-a-cursor").context["later_deals"] is False


def test_the_page_costs_the_same_queries_for_one_colleague_or_many(
    client, manager, team_a, used, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_user

    client.force_login(manager)
    client.get(reverse("adoption"))  # the day's first view writes the adoption row
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("adoption"))
    for n in range(3):
        colleague = make_user(f"colleague{n}", role="Sales rep", team=team_a)
        add(colleague.pk, used, {"notes": 1, "actions": 1})
        make_deal(colleague, f"商机 {n}")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("adoption"))


def test_a_teams_first_touch_is_the_median_of_its_members_medians():
    from kehu.analytics.adoption.queries import FirstTouch
    from kehu.analytics.adoption.views import _median_of_medians

    hours = datetime.timedelta(hours=1)
    team = _median_of_medians(
        [FirstTouch(2 * hours, 3, 0), FirstTouch(10 * hours, 1, 2), FirstTouch(None, 0, 4)]
    )
    assert (team.median, team.touched, team.untouched) == (6 * hours, 4, 6)
    nobody = _median_of_medians([FirstTouch(None, 0, 1)])
    assert (nobody.median, nobody.untouched) == (None, 1)
    assert _median_of_medians([]) is None
