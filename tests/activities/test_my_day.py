"""My day: the sections, one-click done and reschedule, the team view and its limits, and a
page that costs the same whatever the number of tasks."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kehu.activities import services
from kehu.activities.models import Activity
from kehu.activities.my_day import services as my_day
from kehu.core.access import users_in_scope
from tests.factories import make_person

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def afternoon_in_shanghai(time_machine):
    """The page is about "today": a fixed afternoon, so that no test runs across midnight
    between making its tasks and asking for the page."""
    time_machine.move_to(datetime.datetime(2026, 3, 10, 14, 0, tzinfo=SHANGHAI))


def _local(day_offset: int, hour: int, minute: int = 0, zone=SHANGHAI) -> datetime.datetime:
    today = timezone.localtime(timezone.now(), zone).date()
    day = today + datetime.timedelta(days=day_offset)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _task(user, record, subject, due=None, **data):
    values = {"subject": subject, **({"due_at": due} if due else {}), **data}
    return services.log_activity(user, record, "task", values)


def _sections(response) -> dict[str, str]:
    """The text of each section of the page, by its key."""
    import re

    html = response.content.decode()
    found = {}
    for match in re.finditer(
        r'<section class="card[^"]*" data-section="(\w+)">(.*?)</section>', html, re.S
    ):
        found[match.group(1)] = match.group(2)
    return found


@pytest.fixture
def shanghai_rep(rep):
    rep.time_zone = "Asia/Shanghai"
    rep.save()
    return rep


@pytest.fixture
def person(rep):
    return make_person(rep, "张伟")


def test_the_sections_in_the_users_time_zone(client, shanghai_rep, person, manager, teammate):
    rep = shanghai_rep
    # 00:30 in Shanghai is the evening before in UTC: still today for this user
    _task(rep, person, "清晨的任务 Early today", _local(0, 0, 30))
    _task(rep, person, "下午的任务 Later today", _local(0, 16), priority="high")
    _task(rep, person, "昨天的任务 From yesterday", _local(-1, 23, 30))
    _task(rep, person, "上个月的 Long overdue", _local(-40, 9))
    _task(rep, person, "三天后 In three days", _local(3, 9))
    _task(rep, person, "第七天 Last day of the week", _local(7, 23, 59))
    _task(rep, person, "十天后 In ten days", _local(10, 9))
    _task(rep, person, "随时 Whenever")
    done = _task(rep, person, "做完了 Done already", _local(0, 10))
    services.complete_task(rep, done)
    binned = _task(rep, person, "删掉了 Binned", _local(0, 11))
    services.delete_activity(rep, binned)
    theirs = make_person(teammate, "别人的客户")
    _task(teammate, theirs, "别人的任务 Someone else", _local(0, 12))
    services.log_activity(
        rep, person, "meeting", {"subject": "自己的会 Own meeting", "at": _local(0, 15)}
    )
    services.log_activity(
        manager,
        person,
        "meeting",
        {"subject": "经理的会 Invited", "at": _local(0, 10), "attendee_users": [rep.pk]},
    )
    services.log_activity(
        rep, person, "meeting", {"subject": "明天的会 Tomorrow meeting", "at": _local(1, 10)}
    )

    client.force_login(rep)
    response = client.get("/my-day/")
    assert response.status_code == 200
    sections = _sections(response)
    assert "From yesterday" in sections["overdue"] and "Long overdue" in sections["overdue"]
    assert sections["overdue"].index("Long overdue") < sections["overdue"].index("From yesterday")
    today = sections["today"]
    assert "Early today" in today and "Later today" in today
    assert today.index("Early today") < today.index("Later today")
    assert "00:30" in today and "16:00" in today and "badge high" in today
    assert "In three days" in sections["upcoming"]
    assert "Last day of the week" in sections["upcoming"]
    assert "Whenever" in sections["no_due"]
    assert "自己的会 Own meeting" in sections["meetings"]
    assert "经理的会 Invited" in sections["meetings"]
    assert sections["meetings"].index("Invited") < sections["meetings"].index("Own meeting")
    page = response.content.decode()
    for hidden in ("In ten days", "Done already", "Binned", "Someone else", "Tomorrow meeting"):
        assert hidden not in page, hidden
    assert person.get_absolute_url() in today  # the record, linked


def test_an_empty_day_says_so(client, rep):
    client.force_login(rep)
    page = client.get("/my-day/").content.decode()
    assert "Nothing due today, nothing overdue, no meetings" in page


def test_a_day_with_something_else_says_nothing_is_due_today(client, rep, person):
    _task(rep, person, "下周 Next week", timezone.now() + datetime.timedelta(days=3))
    client.force_login(rep)
    sections = _sections(client.get("/my-day/"))
    assert "Nothing due today." in sections["today"]


def test_each_section_is_capped(client, rep, person, monkeypatch):
    monkeypatch.setattr(my_day, "SHOWN", 3)
    for i in range(5):
        _task(rep, person, f"逾期 {i}", timezone.now() - datetime.timedelta(days=2, hours=i))
    client.force_login(rep)
    overdue = _sections(client.get("/my-day/"))["overdue"]
    assert overdue.count("data-task=") == 3 and "3+" in overdue and "and more" in overdue


# ---------------------------------------------------------------- done and reschedule


def test_done_in_one_click_without_a_page_reload(client, rep, person):
    task = _task(rep, person, "打电话 Call", timezone.now() - datetime.timedelta(days=1))
    client.force_login(rep)
    response = client.post(f"/my-day/tasks/{task.pk}/done/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="my-day"') and "<html" not in html
    assert "“打电话 Call” is done." in html and f'data-task="{task.pk}"' not in html
    # said in the confirmation region (swapped in beside the sections), with an Undo button
    assert 'id="messages"' in html and 'hx-swap-oob="innerHTML"' in html
    assert 'name="token"' in html
    task.refresh_from_db()
    assert task.done_at is not None


def test_done_without_javascript_goes_back_to_the_page(client, rep, person):
    task = _task(rep, person, "打电话 Call", timezone.now())
    client.force_login(rep)
    response = client.post(f"/my-day/tasks/{task.pk}/done/")
    assert response.status_code == 302 and response["Location"] == "/my-day/"
    assert Activity.objects.get(pk=task.pk).done_at is not None


def test_a_repeating_task_shows_its_next_occurrence(client, shanghai_rep, person):
    rep = shanghai_rep
    task = _task(rep, person, "每日晨报 Daily report", _local(0, 9), repeat="daily")
    client.force_login(rep)
    html = client.post(
        f"/my-day/tasks/{task.pk}/done/", headers={"HX-Request": "true"}
    ).content.decode()
    following = Activity.objects.open_tasks().get(subject="每日晨报 Daily report")
    assert following.pk != task.pk
    assert following.due_at == _local(1, 9)
    assert f'data-task="{following.pk}"' in html and "The next one is due" in html
    assert f"{_local(1, 9):%Y-%m-%d} 09:00" in html


def test_reschedule_to_tomorrow_next_week_or_a_picked_time(client, shanghai_rep, person):
    rep = shanghai_rep
    task = _task(rep, person, "回访 Follow up", _local(-2, 14, 30))
    client.force_login(rep)
    url = f"/my-day/tasks/{task.pk}/reschedule/"
    response = client.post(url, {"when": "tomorrow"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.due_at == _local(1, 14, 30)
    assert "Follow up" in _sections(response)["upcoming"]

    client.post(url, {"when": "next_week"}, headers={"HX-Request": "true"})
    task.refresh_from_db()
    assert task.due_at == _local(7, 14, 30)

    picked = _local(0, 17, 45)
    client.post(url, {"due_at": f"{picked:%Y-%m-%dT%H:%M}"}, headers={"HX-Request": "true"})
    task.refresh_from_db()
    assert task.due_at == picked  # read in the user's time zone


def test_a_bad_date_is_a_clear_error_and_changes_nothing(client, rep, person):
    due = timezone.now().replace(microsecond=0)
    task = _task(rep, person, "回访 Follow up", due)
    client.force_login(rep)
    for bad in ("", "明天", "2026-13-45T99:00"):
        response = client.post(
            f"/my-day/tasks/{task.pk}/reschedule/", {"due_at": bad}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert "Choose tomorrow, next week or a date and time." in response.content.decode()
    response = client.post(
        f"/my-day/tasks/{task.pk}/reschedule/",
        {"due_at": "0001-01-01T00:00"},
        headers={"HX-Request": "true"},
    )
    assert "Choose a date within the next ten years." in response.content.decode()
    task.refresh_from_db()
    assert task.due_at == due and task.version == 1


def test_only_tasks_can_be_done_here(client, rep, person):
    call = services.log_activity(rep, person, "call", {"subject": "打过电话", "direction": "out"})
    client.force_login(rep)
    assert client.post(f"/my-day/tasks/{call.pk}/done/").status_code == 404


# ---------------------------------------------------------------- the team view


def test_a_manager_sees_a_teammates_day_and_can_tick_it_off(client, rep, manager, person):
    task = _task(rep, person, "代表的任务 Rep task", timezone.now())
    client.force_login(manager)
    response = client.get(f"/my-day/?owner={rep.pk}")
    page = response.content.decode()
    assert "Rep task" in page and f'<option value="{rep.pk}" selected>' in page
    response = client.post(
        f"/my-day/tasks/{task.pk}/done/", {"owner": rep.pk}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert Activity.objects.get(pk=task.pk).done_at is not None
    assert "代表的任务" in response.content.decode()  # the notice; the list is still the rep's


def test_a_rep_never_sees_a_colleagues_day(client, rep, teammate, outsider, person):
    task = _task(rep, person, "代表的任务 Rep task", timezone.now())
    for other in (teammate, outsider):
        client.force_login(other)
        page = client.get(f"/my-day/?owner={rep.pk}").content.decode()
        assert "Rep task" not in page and "<select" not in page
        assert "My day" in page  # their own day instead
        assert client.post(f"/my-day/tasks/{task.pk}/done/").status_code == 404
        response = client.post(f"/my-day/tasks/{task.pk}/reschedule/", {"when": "tomorrow"})
        assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None and task.version == 1


def test_the_team_view_lists_only_people_in_scope(rep, teammate, manager, outsider):
    assert set(users_in_scope(manager, "activities")) == {rep, teammate, manager}
    assert list(users_in_scope(rep, "activities")) == [rep]
    assert outsider not in set(users_in_scope(manager, "activities"))


def test_a_private_activity_of_a_teammate_stays_hidden_in_the_team_view(rep, manager, person):
    task = _task(rep, person, "私事 Private", timezone.now())
    Activity.objects.filter(pk=task.pk).update(private=True)
    shown = my_day.my_day(manager, rep)
    assert all(row.pk != task.pk for s in shown.values() for row in s.rows)
    own = my_day.my_day(rep, rep)
    assert any(row.pk == task.pk for s in own.values() for row in s.rows)


# ---------------------------------------------------------------- the cost of the page


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_for_few_or_many_tasks(
    client, rep, manager, person, django_assert_max_num_queries
):
    from kehu.customers.models import Company
    from tests.factories import make_company, make_deal

    company = make_company(rep, "青云科技")
    deal = make_deal(rep, "大单")
    records = [person, company, deal]

    def add(n):
        now = timezone.now()
        for i in range(n):
            record = records[i % 3]
            for offset in (-3, 0, 2):
                _task(rep, record, f"任务 {offset} {i}", now + datetime.timedelta(days=offset))
            _task(rep, record, f"无期 {i}")
            services.log_activity(
                rep, record, "meeting", {"subject": f"会 {i}", "at": now.replace(hour=12)}
            )

    add(3)  # one task of each kind of record
    client.force_login(rep)
    client.get("/my-day/")  # the first request fills per-process caches (content types)
    few = _queries(client, "/my-day/")
    add(30)
    many = _queries(client, "/my-day/")
    assert few == many
    with django_assert_max_num_queries(16):
        client.get("/my-day/")
    client.force_login(manager)
    team_few = _queries(client, f"/my-day/?owner={rep.pk}")
    add(6)
    assert _queries(client, f"/my-day/?owner={rep.pk}") == team_few
    assert Company.objects.count() == 1


def test_the_team_view_leaves_out_tasks_on_records_the_manager_cannot_see(
    rep, manager, outsider, person
):
    from kehu.customers.models import Person

    seen = _task(rep, person, "看得见 Visible", timezone.now())
    elsewhere = make_person(rep, "转走的客户")
    hidden = _task(rep, elsewhere, "看不见 Hidden", timezone.now())
    Person.objects.filter(pk=elsewhere.pk).update(owner=outsider)  # handed to team B
    shown = {row.pk for s in my_day.my_day(manager, rep).values() for row in s.rows}
    assert seen.pk in shown and hidden.pk not in shown
    own = {row.pk for s in my_day.my_day(rep, rep).values() for row in s.rows}
    # the rep still owns both tasks, but the customer is gone from them (decision 0014)
    assert seen.pk in own and hidden.pk not in own


def test_a_read_only_user_sees_the_team_day_but_changes_nothing(client, rep, readonly_user, person):
    task = _task(rep, person, "只能看 Look only", timezone.now())
    client.force_login(readonly_user)
    assert "Look only" in client.get(f"/my-day/?owner={rep.pk}").content.decode()
    assert client.post(f"/my-day/tasks/{task.pk}/done/").status_code == 403
    response = client.post(
        f"/my-day/tasks/{task.pk}/done/", {"owner": rep.pk}, headers={"HX-Request": "true"}
    )
    assert "You may see this task but not change it." in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is None and task.version == 1
