"""The nightly catch-up and the rebuild command mend days the events missed."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kehu.accounts.models import ApiToken
from kehu.activities import services as activities
from kehu.analytics.adoption.models import AdoptionDay
from kehu.analytics.adoption.tasks import catch_up_adoption
from kehu.core.models import AuditEntry
from kehu.customers import services as customers
from kehu.customers.models import Person

pytestmark = pytest.mark.django_db


def yesterdays_work(rep) -> datetime.date:
    """A person made and a call logged yesterday whose adoption writes never happened (a
    crash, an outage: the rows are deleted here)."""
    yesterday = timezone.now() - datetime.timedelta(days=1)
    person = customers.create_person(rep, {"name": "李娜"})
    call = activities.log_activity(rep, person, "call", {"subject": "首次通话"})
    Person.objects.filter(pk=person.pk).update(created_at=yesterday)
    type(call).objects.filter(pk=call.pk).update(created_at=yesterday)
    AuditEntry.objects.filter(actor=rep).update(at=yesterday)
    AdoptionDay.objects.all().delete()
    return timezone.localdate(yesterday)


def test_the_nightly_run_mends_yesterday(rep):
    day = yesterdays_work(rep)
    catch_up_adoption.enqueue()  # the tests' task backend runs it at once
    row = AdoptionDay.objects.get(user=rep, day=day)
    assert (row.records_created, row.calls, row.actions, row.active) == (1, 1, 2, True)


def test_workers_queue_the_nightly_run_once(settings):
    from django_tasks_db.models import DBTaskResult

    from kehu.analytics.adoption import catch_up

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    catch_up.schedule_next()
    catch_up.schedule_next()  # a second worker starting
    (queued,) = DBTaskResult.objects.filter(task_path=catch_up_adoption.module_path)
    assert queued.status == "READY" and queued.run_after > timezone.now()
    assert timezone.localtime(queued.run_after).hour == settings.DAILY_HOUR


def test_the_rebuild_command_covers_a_range_and_says_what_it_did(rep, capsys):
    day = yesterdays_work(rep)
    call_command("rebuild_adoption", since=str(day - datetime.timedelta(days=3)), until=str(day))
    assert "1 adoption rows written" in capsys.readouterr().out
    assert AdoptionDay.objects.get(user=rep, day=day).calls == 1
    call_command("rebuild_adoption", since=str(day), user=["rep"])  # again: the same row
    assert AdoptionDay.objects.filter(user=rep).count() == 1


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"since": "yesterday"}, "not a date"),
        ({"since": "2026-12-05", "until": "2026-12-01"}, "before"),
        ({"since": "2026-12-01", "user": ["nobody"]}, "no such user: nobody"),
    ],
)
def test_the_rebuild_command_refuses_bad_input_clearly(db, options, error):
    with pytest.raises(CommandError, match=error):
        call_command("rebuild_adoption", **options)


def test_api_token_requests_start_no_session_and_write_no_row(client, rep):
    _token, secret = ApiToken.issue(rep, "script")
    for _ in range(2):
        response = client.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 200
        assert "sessionid" not in response.cookies
    assert not AdoptionDay.objects.exists()


@pytest.mark.parametrize(
    ("moment", "local_day"),
    [
        ("2026-03-08T04:30:00+00:00", "2026-03-07"),  # 23:30 EST, the night before summer time
        ("2026-03-08T07:30:00+00:00", "2026-03-08"),  # 03:30 EDT, just after the change
        ("2026-07-01T03:59:00+00:00", "2026-06-30"),  # 23:59 EDT
    ],
)
def test_the_rebuild_counts_on_the_users_own_day(rep, moment, local_day):
    """The day a thing was done is the user's own, across a daylight-saving change too (SQLite
    computes it in SQL from the zone's offsets: metrics/trunc.py)."""
    rep.time_zone = "America/New_York"
    rep.save(update_fields=["time_zone"])
    at = datetime.datetime.fromisoformat(moment)
    person = customers.create_person(rep, {"name": "李娜"})
    Person.all_objects.filter(pk=person.pk).update(created_at=at)
    AuditEntry.objects.filter(actor=rep).update(at=at)
    AdoptionDay.objects.all().delete()
    day = datetime.date.fromisoformat(local_day)
    call_command("rebuild_adoption", since=str(day - datetime.timedelta(days=1)), until=str(day))
    (row,) = AdoptionDay.objects.filter(user=rep)
    assert (row.day, row.records_created, row.actions) == (day, 1, 1)
