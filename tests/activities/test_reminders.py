"""Reminders: planned whenever an activity is written, sent once by the sweep (bell and
email), retried when the SMTP server is down, called off when there is nothing to remind."""

import datetime
import threading
import zoneinfo

import pytest
from django.db import connection, connections
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.activities import reminders, services
from kehu.activities.models import Activity, Notification, Reminder
from kehu.activities.tasks import next_sweep, send_reminders
from kehu.customers import services as customer_services
from tests.factories import make_person, make_user
from tests.smtp import _free_port

UTC = datetime.UTC


def _at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment `days` from today at hour:minute UTC (always in the future for days >= 1)."""
    day = timezone.now().astimezone(UTC).date() + datetime.timedelta(days=days)
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _task(user, record, due, remind=15, **data):
    return services.log_activity(
        user,
        record,
        "task",
        {"subject": "给张伟回电话 Call back", "due_at": due, "remind_minutes": remind, **data},
    )


def _meeting(user, record, start, remind=30, **data):
    return services.log_activity(
        user,
        record,
        "meeting",
        {"subject": "季度回顾 Quarterly review", "at": start, "remind_minutes": remind, **data},
    )


def _pending(activity=None):
    qs = Reminder.objects.filter(sent_at__isnull=True, cancelled="")
    return qs.filter(activity=activity) if activity else qs


@pytest.fixture
def person(rep):
    return make_person(rep, "张伟")


@pytest.fixture
def mailer(settings):
    """Email set up, pointing at a port nothing listens on (the SMTP server is down)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return settings


# ---------------------------------------------------------------- planning


def test_a_meeting_reminds_its_owner_and_colleagues_and_moving_it_plans_again(
    rep, manager, teammate, person
):
    start = _at(2, 6)
    # the teammate may not see the rep's person: a reminder would name it, so none for them
    meeting = _meeting(rep, person, start, attendee_users=[manager.pk, teammate.pk])
    planned = {(r.user_id, r.due_at) for r in _pending(meeting)}
    due = start - datetime.timedelta(minutes=30)
    assert planned == {(rep.pk, due), (manager.pk, due)}

    later = start + datetime.timedelta(hours=3)
    services.update_activity(rep, meeting, {"at": later, "ends_at": later + _hour()})
    due = later - datetime.timedelta(minutes=30)
    assert {(r.user_id, r.due_at) for r in _pending(meeting)} == {(rep.pk, due), (manager.pk, due)}
    assert Reminder.objects.filter(activity=meeting).count() == 2  # the old ones are gone

    services.update_activity(rep, meeting, {"attendee_users": []})
    assert [r.user_id for r in _pending(meeting)] == [rep.pk]


def _hour():
    return datetime.timedelta(hours=1)


def test_a_done_or_deleted_task_is_not_reminded_and_a_reopened_one_is(rep, person):
    task = _task(rep, person, _at(1, 9))
    assert _pending(task).count() == 1
    task, _next = services.complete_task(rep, task)
    assert _pending(task).count() == 0
    task, _next = services.complete_task(rep, task, done=False)
    assert _pending(task).count() == 1

    other = _task(rep, person, _at(1, 10))
    services.delete_activity(rep, other)
    assert _pending(other).count() == 0
    assert reminders.send_due(now=_at(1, 12)) == 1  # only the reopened task
    assert Notification.objects.filter(user=rep, kind="reminder").count() == 1


def test_a_reminder_called_off_before_it_went_out_comes_back_when_the_task_is_reopened(rep, person):
    task = _task(rep, person, _at(1, 9))
    reminder = Reminder.objects.get(activity=task)
    # the task was done by a path that did not plan again: the sweep calls it off
    Activity.objects.filter(pk=task.pk).update(done_at=timezone.now())
    assert reminders.send_due(now=reminder.due_at) == 0
    reminder.refresh_from_db()
    assert reminder.cancelled == "task done" and reminder.sent_at is None

    task.refresh_from_db()
    services.complete_task(rep, task, done=False)
    reminder.refresh_from_db()
    assert reminder.cancelled == "" and reminder.attempts == 0
    assert reminders.send_due(now=reminder.due_at) == 1


def test_no_reminder_without_a_setting_or_for_a_time_already_past(rep, person):
    _task(rep, person, _at(1, 9), remind=None)
    soon = timezone.now() + datetime.timedelta(minutes=5)
    _task(rep, person, soon, remind=60)
    assert Reminder.objects.count() == 0


# ---------------------------------------------------------------- sending once


def test_sent_exactly_once_across_sweeps(rep, person, smtp_server):
    rep.email = "rep@example.com"
    rep.save()
    task = _task(rep, person, _at(1, 9))
    reminder = Reminder.objects.get(activity=task)
    early = reminder.due_at - datetime.timedelta(minutes=1)
    assert reminders.send_due(now=early) == 0  # not yet
    assert reminders.send_due(now=reminder.due_at) == 1
    assert reminders.send_due(now=reminder.due_at + datetime.timedelta(minutes=1)) == 0
    assert reminders.send_due(now=reminder.due_at + datetime.timedelta(days=1)) == 0

    (note,) = Notification.objects.filter(user=rep, kind="reminder")
    assert "给张伟回电话 Call back" in note.text and note.url == person.get_absolute_url()
    (message,) = smtp_server.messages
    assert message["To"] == "rep@example.com"
    assert message["Message-ID"] == f"<kehu-reminder-{reminder.pk}@localhost>"
    assert "给张伟回电话 Call back" in message["Subject"]
    assert person.get_absolute_url() in message.get_content()
    reminder.refresh_from_db()
    assert reminder.sent_at and reminder.emailed_at and reminder.notified_at
    assert reminder.claimed_at is None and reminder.attempts == 1


def test_two_workers_never_take_the_same_reminder(rep, person):
    task = _task(rep, person, _at(1, 9))
    reminder = Reminder.objects.get(activity=task)
    now = reminder.due_at
    # worker A claims it and is still busy with it when worker B sweeps
    assert reminders._claim_next(now) == reminder.pk
    assert reminders.send_due(now=now + datetime.timedelta(seconds=30)) == 0
    assert Notification.objects.count() == 0
    # A finishes; B's next sweep finds nothing left
    assert reminders._deliver(reminder.pk, now, now) is True
    assert reminders.send_due(now=now + datetime.timedelta(minutes=1)) == 0
    assert Notification.objects.filter(user=rep).count() == 1


def test_a_worker_that_died_mid_way_is_replaced_and_nothing_is_lost(rep, person):
    task = _task(rep, person, _at(1, 9))
    reminder = Reminder.objects.get(activity=task)
    now = reminder.due_at
    assert reminders._claim_next(now) == reminder.pk  # worker A claims it, then dies
    assert reminders.send_due(now=now + datetime.timedelta(minutes=5)) == 0  # still A's
    later = now + reminders.CLAIM_TIMEOUT + datetime.timedelta(minutes=1)
    assert reminders.send_due(now=later) == 1  # the claim expired: B sends it
    # A wakes up and tries to finish: its claim is no longer the reminder's
    assert reminders._deliver(reminder.pk, now, now) is False
    assert Notification.objects.filter(user=rep).count() == 1
    reminder.refresh_from_db()
    assert abs(reminder.sent_at - later) < datetime.timedelta(seconds=1)  # when it was sent
    assert reminder.attempts == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the default roles
@pytest.mark.skipif(
    not connection.features.has_select_for_update_skip_locked,
    reason="concurrent workers need PostgreSQL (the SQLite test database lives in memory)",
)
def test_concurrent_workers_send_each_reminder_once(rep, person):
    start = _at(1, 8)
    tasks = [_task(rep, person, start + datetime.timedelta(minutes=i)) for i in range(30)]
    now = start + datetime.timedelta(hours=1)
    results, errors = [], []
    gate = threading.Barrier(3)

    def worker():
        try:
            gate.wait()
            results.append(reminders.send_due(now=now))
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(results) == len(tasks)
    assert Notification.objects.filter(kind="reminder").count() == len(tasks)
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


# ---------------------------------------------------------------- the SMTP server down


def test_smtp_down_when_due_is_retried_later_and_sent_exactly_once(
    rep, person, smtp_server, settings
):
    rep.email = "rep@example.com"
    rep.save()
    task = _task(rep, person, _at(1, 9))
    reminder = Reminder.objects.get(activity=task)
    now = reminder.due_at
    settings.EMAIL_PORT = _free_port()  # the server is down

    assert reminders.send_due(now=now) == 1  # the bell has it
    reminder.refresh_from_db()
    assert abs(reminder.notified_at - now) < datetime.timedelta(seconds=1)
    assert reminder.sent_at is None
    assert reminder.attempts == 1 and "Connection" in reminder.last_error
    second = datetime.timedelta(seconds=1)
    assert reminder.claimed_at is None
    assert abs(reminder.next_try_at - (now + datetime.timedelta(minutes=1))) < second
    assert reminders.send_due(now=now + datetime.timedelta(seconds=30)) == 0  # backing off
    assert reminders.send_due(now=now + datetime.timedelta(minutes=1)) == 1  # down again
    reminder.refresh_from_db()
    assert reminder.attempts == 2
    assert abs(reminder.next_try_at - (now + datetime.timedelta(minutes=6))) < second

    settings.EMAIL_PORT = smtp_server.port  # back up
    assert reminders.send_due(now=now + datetime.timedelta(minutes=3)) == 0
    assert reminders.send_due(now=now + datetime.timedelta(minutes=6)) == 1
    assert reminders.send_due(now=now + datetime.timedelta(minutes=30)) == 0
    assert len(smtp_server.messages) == 1
    assert Notification.objects.filter(user=rep, kind="reminder").count() == 1
    reminder.refresh_from_db()
    assert reminder.sent_at and reminder.emailed_at and reminder.last_error == ""


def test_after_the_last_try_the_email_is_given_up_but_the_bell_stays(rep, person, mailer):
    rep.email = "rep@example.com"
    rep.save()
    task = _task(rep, person, _at(1, 9))
    reminder = Reminder.objects.get(activity=task)
    now = reminder.due_at
    for _try in range(reminders.MAX_ATTEMPTS + 2):
        reminders.send_due(now=now)
        now += datetime.timedelta(hours=5)
    reminder.refresh_from_db()
    assert reminder.cancelled == "email failed" and reminder.sent_at is None
    assert reminder.attempts == reminders.MAX_ATTEMPTS
    assert Notification.objects.filter(user=rep, kind="reminder").count() == 1


def test_without_email_set_up_the_bell_is_enough(rep, person, settings):
    settings.EMAIL_HOST = ""
    rep.email = "rep@example.com"
    rep.save()
    _task(rep, person, _at(1, 9))
    reminders.send_due(now=_at(1, 9))
    reminder = Reminder.objects.get()
    assert reminder.sent_at and reminder.notified_at and reminder.emailed_at is None


# ---------------------------------------------------------------- nothing to remind


def test_a_reminder_for_a_deleted_task_is_called_off_without_a_crash(rep, person):
    task = _task(rep, person, _at(1, 9))
    reminder = Reminder.objects.get(activity=task)
    # deleted after the reminder was planned, behind the services' back (or mid-sweep)
    Activity.all_objects.filter(pk=task.pk).update(deleted_at=timezone.now())
    assert reminders.send_due(now=reminder.due_at) == 0
    reminder.refresh_from_db()
    assert reminder.cancelled == "activity deleted" and reminder.claimed_at is None
    assert Notification.objects.count() == 0

    # deleted through the service while a worker holds its reminder: called off too
    other = _task(rep, person, _at(2, 9))
    held = Reminder.objects.get(activity=other)
    assert reminders._claim_next(held.due_at) == held.pk
    services.delete_activity(rep, other)
    assert reminders._deliver(held.pk, held.due_at, held.due_at) is False
    held.refresh_from_db()
    assert held.cancelled == "activity deleted"
    assert Notification.objects.count() == 0


def test_a_moved_meeting_or_a_binned_record_is_not_reminded_at_the_old_time(rep, person):
    meeting = _meeting(rep, person, _at(2, 6))
    reminder = Reminder.objects.get(activity=meeting)
    assert reminders._claim_next(reminder.due_at) == reminder.pk  # a worker holds it
    later = _at(2, 9)
    services.update_activity(rep, meeting, {"at": later, "ends_at": later + _hour()})
    assert reminders._deliver(reminder.pk, reminder.due_at, reminder.due_at) is False
    reminder.refresh_from_db()
    assert reminder.cancelled == "moment moved"
    new = _pending(meeting).get()
    assert new.due_at == later - datetime.timedelta(minutes=30)

    customer_services.delete_person(rep, person)
    assert reminders.send_due(now=new.due_at) == 0
    new.refresh_from_db()
    assert new.cancelled == "record deleted"
    assert Notification.objects.count() == 0


# ---------------------------------------------------------------- language and time zone


def test_the_text_is_in_the_users_language_and_time_zone(db, team_a):
    chinese = make_user("wang", team=team_a, language="zh-hans", time_zone="Asia/Shanghai")
    finn = make_user(
        "aino", role="Manager", team=team_a, language="en", time_zone="Europe/Helsinki"
    )
    person = make_person(chinese, "李娜")
    due = _at(3, 6)  # 14:00 in Shanghai; 08:00 in Helsinki in winter, 09:00 in summer
    _task(chinese, person, due)
    _meeting(chinese, person, due, attendee_users=[finn.pk])
    reminders.send_due(now=due)

    texts = {
        (n.user_id, n.text) for n in Notification.objects.filter(kind="reminder").order_by("id")
    }
    helsinki = due.astimezone(zoneinfo.ZoneInfo("Europe/Helsinki")).strftime("%H:%M")
    day = due.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    with translation.override("zh-hans"):
        task_zh = _("Task “%(subject)s” is due at %(time)s") % {
            "subject": "给张伟回电话 Call back",
            "time": f"{day} 14:00",
        }
        meeting_zh = _("Meeting “%(subject)s” starts at %(time)s") % {
            "subject": "季度回顾 Quarterly review",
            "time": f"{day} 14:00",
        }
    assert (chinese.pk, task_zh) in texts
    assert (chinese.pk, meeting_zh) in texts
    (finn_text,) = [text for user_id, text in texts if user_id == finn.pk]
    assert finn_text.startswith("Meeting “季度回顾 Quarterly review” starts at ")
    assert finn_text.endswith(f" {helsinki}")


def test_today_shows_the_time_only(rep, person, time_machine):
    # midday, so that twenty minutes on is still today (just before midnight it is tomorrow)
    time_machine.move_to(datetime.datetime(2026, 6, 15, 4, 0, tzinfo=UTC), tick=False)
    soon = timezone.now() + datetime.timedelta(minutes=20)
    assert timezone.localdate(soon) == timezone.localdate()
    task = _task(rep, person, soon, remind=10)
    message = reminders.reminder_message(Reminder.objects.get(activity=task))
    assert (
        message.text == f"Task “给张伟回电话 Call back” is due at {timezone.localtime(soon):%H:%M}"
    )


# ---------------------------------------------------------------- the periodic task


def test_the_sweep_task_sends_and_plans_the_next_minute(rep, person):
    task = _task(rep, person, timezone.now() + datetime.timedelta(minutes=3), remind=2)
    Reminder.objects.filter(activity=task).update(next_try_at=timezone.now())
    send_reminders.enqueue()  # the immediate backend runs it now
    assert Notification.objects.filter(user=rep, kind="reminder").count() == 1
    now = datetime.datetime(2026, 12, 2, 8, 30, 41, 5, tzinfo=UTC)
    assert next_sweep(now) == datetime.datetime(2026, 12, 2, 8, 31, tzinfo=UTC)


def test_the_worker_queues_one_sweep_however_often_it_starts(db, settings):
    from django_tasks_db.models import DBTaskResult

    from kehu.activities.tasks import schedule_reminders

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    schedule_reminders()
    schedule_reminders()  # a second worker starting
    (queued,) = DBTaskResult.objects.filter(task_path="kehu.activities.tasks.send_reminders")
    assert queued.status == "READY" and queued.run_after > timezone.now()
    assert queued.run_after <= timezone.now() + datetime.timedelta(minutes=1)
