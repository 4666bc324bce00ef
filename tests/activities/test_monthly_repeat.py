"""A monthly task keeps its day of the month: one due on the 31st falls on a short month's
last day and goes back to the 31st after it (31 Jan, 28 Feb, 31 Mar, 30 Apr), at the same
wall-clock time in its owner's zone."""

import datetime
import zoneinfo

import pytest

from kehu.activities import services
from kehu.activities.models import Activity
from tests.api.conftest import bearer_client
from tests.factories import make_person

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def shanghai_rep(rep):
    rep.time_zone = "Asia/Shanghai"
    rep.save()
    return rep


def local(year, month, day, hour=9, minute=0, zone=SHANGHAI) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=zone)


def _start(user, due: datetime.datetime, record=None) -> Activity:
    return services.log_activity(
        user,
        record or make_person(user),
        "task",
        {"subject": "月报 Monthly report", "due_at": due, "repeat": "monthly"},
    )


def _following(task: Activity, times: int, actor=None, zone=SHANGHAI) -> list[datetime.datetime]:
    """Complete the task and each next occurrence in turn; their due times, in `zone`."""
    dues = []
    for _ in range(times):
        _done, task = services.complete_task(actor or task.owner, task)
        dues.append(task.due_at.astimezone(zone))
    return dues


def test_a_series_on_the_31st_comes_back_to_the_31st(shanghai_rep):
    task = _start(shanghai_rep, local(2027, 1, 31))
    assert _following(task, 8) == [
        local(2027, 2, 28),
        local(2027, 3, 31),
        local(2027, 4, 30),
        local(2027, 5, 31),
        local(2027, 6, 30),
        local(2027, 7, 31),
        local(2027, 8, 31),
        local(2027, 9, 30),
    ]


@pytest.mark.parametrize(
    "first, expected",
    [
        (local(2027, 1, 30), [local(2027, 2, 28), local(2027, 3, 30), local(2027, 4, 30)]),
        (local(2027, 1, 29), [local(2027, 2, 28), local(2027, 3, 29), local(2027, 4, 29)]),
        (local(2028, 1, 31), [local(2028, 2, 29), local(2028, 3, 31), local(2028, 4, 30)]),
        (local(2027, 12, 31), [local(2028, 1, 31), local(2028, 2, 29), local(2028, 3, 31)]),
        # a series someone started on the 28th of February stays on the 28th
        (local(2027, 2, 28), [local(2027, 3, 28), local(2027, 4, 28), local(2027, 5, 28)]),
        (local(2027, 4, 30), [local(2027, 5, 30), local(2027, 6, 30), local(2027, 7, 30)]),
    ],
)
def test_each_day_of_the_month_is_kept(shanghai_rep, first, expected):
    assert _following(_start(shanghai_rep, first), 3) == expected


def test_rescheduling_an_occurrence_moves_the_series_to_its_new_day(shanghai_rep):
    task = _start(shanghai_rep, local(2027, 1, 31))
    _done, february = services.complete_task(shanghai_rep, task)
    services.reschedule_task(shanghai_rep, february, local(2027, 2, 27))
    february.refresh_from_db()
    assert _following(february, 2) == [local(2027, 3, 27), local(2027, 4, 27)]


def test_moving_only_the_time_keeps_the_day(shanghai_rep):
    task = _start(shanghai_rep, local(2027, 1, 31))
    _done, february = services.complete_task(shanghai_rep, task)
    services.reschedule_task(shanghai_rep, february, local(2027, 2, 28, 15, 30))
    february.refresh_from_db()
    assert _following(february, 2) == [local(2027, 3, 31, 15, 30), local(2027, 4, 30, 15, 30)]


def test_the_wall_clock_time_holds_across_daylight_saving(rep):
    rep.time_zone = "Europe/Berlin"  # summer time from 28 March to 31 October 2027
    rep.save()
    task = _start(rep, local(2027, 1, 31, zone=BERLIN))
    dues = _following(task, 10, zone=BERLIN)
    assert dues[:3] == [
        local(2027, 2, 28, zone=BERLIN),
        local(2027, 3, 31, zone=BERLIN),
        local(2027, 4, 30, zone=BERLIN),
    ]
    assert dues[-1] == local(2027, 11, 30, zone=BERLIN)
    assert {(d.hour, d.minute) for d in dues} == {(9, 0)}
    assert {d.utcoffset() for d in dues} == {
        datetime.timedelta(hours=1),
        datetime.timedelta(hours=2),
    }


def test_the_day_is_kept_whoever_completes_it(shanghai_rep, manager):
    """The manager (who may edit the rep's record) ticks the rep's tasks off."""
    manager.time_zone = "Europe/Berlin"  # the owner's zone counts, not the completer's
    manager.save()
    task = _start(shanghai_rep, local(2027, 1, 31))
    dues = _following(task, 3, actor=manager)
    assert dues == [local(2027, 2, 28), local(2027, 3, 31), local(2027, 4, 30)]
    assert set(Activity.objects.filter(kind="task").values_list("owner", flat=True)) == {
        shanghai_rep.pk
    }


def test_the_api_gives_the_next_occurrence_on_its_day(shanghai_rep):
    task = _start(shanghai_rep, local(2027, 1, 31))
    _done, february = services.complete_task(shanghai_rep, task)
    api = bearer_client(shanghai_rep)
    response = api.post(
        f"/api/v1/activities/{february.pk}/done", {"done": True}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    due = datetime.datetime.fromisoformat(response.json()["next"]["due_at"])
    assert due == local(2027, 3, 31)


def test_the_series_day_is_kept_on_the_occurrence_itself(shanghai_rep):
    task = _start(shanghai_rep, local(2027, 1, 31))
    _done, february = services.complete_task(shanghai_rep, task)
    february = Activity.objects.get(pk=february.pk)  # as a later request reads it
    assert february.repeat_day == 31
    _done, march = services.complete_task(shanghai_rep, february)
    assert march.due_at == local(2027, 3, 31)


def test_a_task_reopened_and_done_again_makes_no_second_occurrence(shanghai_rep):
    task = _start(shanghai_rep, local(2027, 1, 31))
    _done, february = services.complete_task(shanghai_rep, task)
    services.complete_task(shanghai_rep, task, done=False)
    _done, again = services.complete_task(shanghai_rep, Activity.objects.get(pk=task.pk))
    assert again is None
    assert Activity.objects.filter(kind="task", done_at__isnull=True).get() == february
