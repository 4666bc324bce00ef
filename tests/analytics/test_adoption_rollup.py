"""The daily adoption rows after real service calls, sign-ins and page views, and the
catch-up recomputing the same rows from the tables."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.activities import services as activities
from kehu.analytics.adoption import catch_up
from kehu.analytics.adoption.models import COUNTERS, AdoptionDay
from kehu.analytics.adoption.recording import day_of
from kehu.customers import services as customers
from tests.factories import PASSWORD, make_deal

pytestmark = pytest.mark.django_db


def row(user, day=None) -> AdoptionDay:
    return AdoptionDay.objects.get(user=user, day=day or day_of(user))


def values(user) -> dict:
    return {
        (r.user_id, r.day): {n: getattr(r, n) for n in (*COUNTERS, "active")}
        for r in AdoptionDay.objects.filter(user=user)
    }


def a_working_day(rep):
    """A person created and edited, a call logged, a task done on time and one done late,
    a deal created: what a rep's day in Kehu looks like."""
    now = timezone.now()
    person = customers.create_person(rep, {"name": "李娜", "email": "lina@example.com"})
    customers.update_person(rep, person, {"title": "采购经理"})
    activities.log_activity(rep, person, "call", {"subject": "首次通话", "outcome": "connected"})
    on_time = activities.log_activity(
        rep, person, "task", {"subject": "发报价", "due_at": now + datetime.timedelta(days=2)}
    )
    late = activities.log_activity(
        rep, person, "task", {"subject": "回电话", "due_at": now - datetime.timedelta(hours=3)}
    )
    activities.complete_task(rep, on_time)
    activities.complete_task(rep, late)
    make_deal(rep)
    return person


def test_a_working_day_is_counted_once_per_user_and_day(rep):
    a_working_day(rep)
    assert AdoptionDay.objects.filter(user=rep).count() == 1
    today = row(rep)
    assert today.active
    assert today.records_created == 2  # the person and the deal
    assert today.records_updated == 1
    assert (today.calls, today.tasks, today.meetings, today.notes) == (1, 2, 0, 0)
    assert today.activities_logged == 3
    assert (today.tasks_done, today.tasks_done_on_time) == (2, 1)
    # creates (2) + edit (1) + activities logged (3) + tasks done (2)
    assert today.actions == 8
    assert today.logins == 0 and not today.seen


def test_a_rolled_back_write_counts_nothing(rep):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        customers.create_person(rep, {"name": "王芳"})
        raise RuntimeError("the request failed after the write")
    assert not AdoptionDay.objects.filter(user=rep).exists()


def test_a_task_opened_again_no_longer_counts_as_done(rep):
    person = customers.create_person(rep, {"name": "李娜"})
    task = activities.log_activity(rep, person, "task", {"subject": "发报价"})
    done, _ = activities.complete_task(rep, task)
    assert (row(rep).tasks_done, row(rep).tasks_done_on_time) == (1, 1)
    activities.complete_task(rep, done, done=False)
    assert (row(rep).tasks_done, row(rep).tasks_done_on_time) == (0, 0)
    assert row(rep).actions == 4  # the person, the task, done, and opened again


def test_the_catch_up_writes_the_rows_the_events_wrote(rep, manager):
    person = a_working_day(rep)
    activities.add_note(manager, person, "客户要求下周回访")
    live, managers = values(rep), values(manager)
    assert sum(r["notes"] for r in managers.values()) == 1
    AdoptionDay.objects.all().delete()
    today = timezone.localdate()
    catch_up.rebuild(today - datetime.timedelta(days=1), today + datetime.timedelta(days=1))
    assert (values(rep), values(manager)) == (live, managers)
    again = catch_up.rebuild(today, today)  # idempotent
    assert again == AdoptionDay.objects.filter(day=today).count()
    assert values(rep) == live


def test_the_catch_up_mends_a_day_the_events_missed_and_keeps_sign_ins(rep):
    a_working_day(rep)
    live = values(rep)
    today = row(rep)
    AdoptionDay.objects.filter(pk=today.pk).update(logins=2, seen=True, calls=0, actions=1)
    catch_up.rebuild(today.day, today.day)
    mended = row(rep)
    assert (mended.logins, mended.seen) == (2, True)
    assert values(rep) == live


def test_signing_in_counts_a_login_and_page_views_write_once_a_day(client, rep):
    response = client.post(reverse("login"), {"username": rep.username, "password": PASSWORD})
    assert response.status_code == 302
    today = row(rep)
    assert (today.logins, today.seen, today.active) == (1, True, True)
    AdoptionDay.objects.filter(pk=today.pk).update(seen=False)  # to see whether pages write
    client.get("/")
    client.get("/")
    assert not row(rep).seen  # the session remembered the day: no write


def test_a_page_view_marks_the_day_of_a_user_already_signed_in(client, rep):
    client.force_login(rep)
    session = client.session
    session.pop("_adoption_seen")  # a session from yesterday, say: no sign-in today
    session.save()
    AdoptionDay.objects.all().delete()
    client.get("/")
    today = row(rep)
    assert (today.seen, today.active, today.logins, today.actions) == (True, True, 0, 0)
    AdoptionDay.objects.filter(pk=today.pk).update(seen=False)
    client.get("/")
    assert not row(rep).seen


def test_anonymous_visitors_write_nothing(client, db):
    client.get(reverse("login"))
    assert not AdoptionDay.objects.exists()


def test_converting_merging_binning_count_the_same_live_and_recomputed(rep):
    from kehu.customers.duplicates import services as duplicates
    from kehu.sales.leads import services as leads

    lead = leads.create_lead(rep, {"name": "周杰", "company_name": "腾讯", "owner": rep})
    activities.log_activity(rep, lead, "call", {"subject": "了解需求"})
    lead = leads.update_lead(rep, lead, {"status": "qualified"})
    leads.convert_lead(rep, lead)
    first = customers.create_person(rep, {"name": "王芳", "email": "wf@example.com"})
    second = customers.create_person(rep, {"name": "王芳", "phone": "13800138000"})
    activities.add_note(rep, second, "同一个人")
    duplicates.merge("person", rep, first.pk, [second.pk])
    third = customers.create_person(rep, {"name": "赵磊"})
    customers.delete_person(rep, third)
    customers.restore_person(rep, third)
    live = values(rep)
    (today,) = live.values()
    assert today["records_created"] == 7  # lead, person, company, deal, three people
    assert today["calls"] == 1 and today["notes"] == 1
    AdoptionDay.objects.all().delete()
    day = timezone.localdate()
    catch_up.rebuild(day, day)
    assert values(rep) == live


def test_a_day_is_the_users_own(rep):
    rep.time_zone = "America/Los_Angeles"
    moment = datetime.datetime(2026, 12, 7, 3, 0, tzinfo=datetime.UTC)  # 11:00 in Shanghai
    assert day_of(rep, moment) == datetime.date(2026, 12, 6)
    rep.time_zone = ""
    assert day_of(rep, moment) == datetime.date(2026, 12, 7)  # the instance's zone


def test_the_catch_up_counts_each_user_on_their_own_day(rep, teammate):
    from kehu.customers.models import Person

    teammate.time_zone = "America/Los_Angeles"
    teammate.save(update_fields=["time_zone"])
    moment = datetime.datetime(2026, 12, 1, 3, 0, tzinfo=datetime.UTC)
    for user in (rep, teammate):
        person = customers.create_person(user, {"name": "李娜"})
        Person.objects.filter(pk=person.pk).update(created_at=moment)
    catch_up.rebuild(datetime.date(2026, 11, 30), datetime.date(2026, 12, 1))
    days = dict(AdoptionDay.objects.filter(records_created=1).values_list("user__username", "day"))
    assert days == {"rep": datetime.date(2026, 12, 1), "teammate": datetime.date(2026, 11, 30)}


def test_a_task_done_by_a_manager_counts_for_its_owner_and_as_the_managers_action(rep, manager):
    person = customers.create_person(rep, {"name": "李娜"})
    task = activities.log_activity(rep, person, "task", {"subject": "发报价"})
    activities.complete_task(manager, task)
    assert (row(rep).tasks_done, row(rep).actions) == (1, 2)  # made the person and the task
    assert (row(manager).tasks_done, row(manager).actions) == (0, 1)
    live = {**values(rep), **values(manager)}
    catch_up.rebuild(row(rep).day, row(rep).day)
    assert {**values(rep), **values(manager)} == live
