"""Leases and the recovery sweep, in one process: who may run an import, what a lost lease
does to a batch, and what the sweep does with work a dead worker left (the real-process test
is tests/customers/test_import_crash.py)."""

import datetime

import pytest
from django.utils import timezone

from kehu.core import leases, recovery
from kehu.customers.imports import running as importing
from kehu.customers.imports.models import ImportJob
from kehu.customers.models import Person
from tests.customers.import_helpers import csv_text, job_from_bytes

pytestmark = pytest.mark.django_db

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _file(user, rows: int) -> ImportJob:
    lines = ["name,email"] + [f"Person {i},p{i}@example.com" for i in range(rows)]
    return job_from_bytes(user, csv_text(lines).encode())


def _hold(job: ImportJob, holder="someone-else", seconds=60) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        lease_token=holder,
        lease_until=timezone.now() + datetime.timedelta(seconds=seconds),
    )


def test_of_two_claims_one_wins_until_the_lease_runs_out(rep):
    job = _file(rep, 1)
    rows = ImportJob.objects.all()
    first = leases.claim(rows, job.pk)
    assert first and leases.claim(rows, job.pk) is None
    ImportJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(1))
    second = leases.claim(rows, job.pk)
    assert second and second != first
    with pytest.raises(leases.LostLease):  # the first worker can no longer write
        leases.heartbeat(rows, job.pk, first, position=99)
    leases.heartbeat(rows, job.pk, second, position=5)
    assert ImportJob.objects.get(pk=job.pk).position == 5


def test_an_import_a_live_worker_holds_is_not_run_again(rep):
    job = _file(rep, 5)
    _hold(job)
    importing.import_file(job)
    job.refresh_from_db()
    assert Person.objects.count() == 0
    assert (job.status, job.lease_token, job.interrupted) == ("running", "someone-else", False)


def test_a_batch_whose_lease_was_taken_over_is_rolled_back(rep, monkeypatch):
    job = _file(rep, 6)
    real_write = importing.BatchWriter.write
    calls = []

    def slow_write(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:  # this worker's lease ran out mid-batch and another took over
            _hold(job, holder="the-other-worker")
        return real_write(self, rows)

    monkeypatch.setattr(importing.BatchWriter, "write", slow_write)
    importing.import_file(job, batch_size=2)
    job.refresh_from_db()
    assert Person.objects.count() == 2  # the first batch; the second was rolled back
    assert (job.position, job.imported, job.status) == (3, 2, "running")


def test_the_sweep_resumes_an_import_whose_lease_ran_out(rep):
    job = _file(rep, 7)
    importing.import_file(job, batch_size=3, max_batches=1)  # the worker dies after a batch
    _hold(job, holder="dead-worker", seconds=-1)
    job.refresh_from_db()
    assert job.interrupted and job.status_label == "Interrupted — resuming"
    recovery.recover()  # the immediate task backend runs the resumed import at once
    job.refresh_from_db()
    assert (job.status, job.imported, job.processed, job.skipped) == ("done", 7, 7, 0)
    assert sorted(Person.objects.values_list("email", flat=True)) == sorted(
        f"p{i}@example.com" for i in range(7)
    )
    assert job.lease_until is None and not job.interrupted


def test_the_sweep_queues_one_resume_however_often_it_runs(rep, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_QUEUE
    job = _file(rep, 3)
    ImportJob.objects.filter(pk=job.pk).update(status="running")  # left by an older Kehu
    live = _file(rep, 3)
    _hold(live)
    recovery.recover()
    recovery.recover()
    runs = DBTaskResult.objects.filter(task_path="kehu.customers.tasks.run_import")
    assert [r.args_kwargs["args"] for r in runs] == [[job.pk]]


def _running(task, started_minutes_ago: float, *args):
    from django_tasks_db.models import DBTaskResult

    result = task.enqueue(*args)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING",
        started_at=timezone.now() - datetime.timedelta(minutes=started_minutes_ago),
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_a_recurring_run_left_by_a_dead_worker_is_failed_and_queued_again(db, settings):
    from django_tasks_db.models import DBTaskResult

    from kehu.activities.tasks import send_reminders

    settings.TASKS = DB_QUEUE
    dead = _running(send_reminders, 20)
    recovery.recover()
    dead.refresh_from_db()
    assert dead.status == "FAILED" and dead.exception_class_path == recovery.WORKER_STOPPED
    (queued,) = DBTaskResult.objects.filter(task_path=dead.task_path, status="READY")
    assert queued.run_after <= timezone.now() + datetime.timedelta(minutes=1)
    recovery.recover()  # never a second one
    assert DBTaskResult.objects.filter(task_path=dead.task_path, status="READY").count() == 1


def test_a_live_recurring_run_is_left_alone_and_not_run_twice(db, settings):
    from django_tasks_db.models import DBTaskResult

    from kehu.sales.tasks import daily_jobs

    settings.TASKS = DB_QUEUE
    running = _running(daily_jobs, 30)  # scoring a large instance: still going
    recovery.recover()
    running.refresh_from_db()
    assert running.status == "RUNNING"
    assert not DBTaskResult.objects.filter(task_path=running.task_path, status="READY").exists()


def test_an_import_run_is_dead_when_its_job_lease_ran_out(rep, settings):
    from kehu.customers.tasks import run_import

    settings.TASKS = DB_QUEUE
    held, dropped = _file(rep, 2), _file(rep, 2)
    alive = _running(run_import, 30, held.pk)  # a long import, renewing its lease
    _hold(held, holder=str(alive.pk))
    dead = _running(run_import, 30, dropped.pk)
    _hold(dropped, holder=str(dead.pk), seconds=-5)
    recovery.fail_dead_runs()
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert (alive.status, dead.status) == ("RUNNING", "FAILED")


def test_the_worker_runs_the_sweep_as_it_starts(db, settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from kehu.activities.tasks import send_reminders

    settings.TASKS = DB_QUEUE
    dead = _running(send_reminders, 20)
    call_command("recover")
    dead.refresh_from_db()
    assert dead.status == "FAILED"
    paths = set(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))
    assert {"kehu.core.recovery.recover_interrupted_work", dead.task_path} <= paths


def test_an_import_whose_run_died_before_it_began_is_queued_again(rep, settings):
    from django_tasks_db.models import DBTaskResult

    from kehu.customers.tasks import run_import

    settings.TASKS = DB_QUEUE
    job = _file(rep, 2)  # waiting to start; its run was taken by a worker that died at once
    dead = _running(run_import, 30, job.pk)
    queued = _file(rep, 2)
    run_import.enqueue(queued.pk)
    recovery.recover()
    dead.refresh_from_db()
    assert dead.status == "FAILED"
    ready = DBTaskResult.objects.filter(task_path=dead.task_path, status="READY")
    assert sorted(r.args_kwargs["args"][0] for r in ready) == sorted([job.pk, queued.pk])


def test_a_sweep_killed_with_its_worker_is_queued_again_after_any_task(db, settings):
    from django_tasks_db.models import DBTaskResult

    from kehu.activities.tasks import send_reminders

    settings.TASKS = DB_QUEUE
    dead_sweep = _running(recovery.recover_interrupted_work, 1)
    result = send_reminders.enqueue()
    assert not DBTaskResult.objects.filter(task_path=dead_sweep.task_path, status="READY")
    from django_tasks.signals import task_finished

    assert recovery.keep_sweep_queued in [ref() for _key, ref, _async in task_finished.receivers]
    recovery.keep_sweep_queued(task_result=result)  # what a worker does after each task
    assert DBTaskResult.objects.filter(task_path=dead_sweep.task_path, status="READY").exists()


def test_the_daily_jobs_delete_finished_task_rows_after_two_weeks(db, settings):
    """The sweeps add a finished row a minute: old ones go, recent, waiting and running stay."""
    from django_tasks_db.models import DBTaskResult

    from kehu.activities.tasks import send_reminders
    from kehu.sales.daily import services as daily

    settings.TASKS = DB_QUEUE
    now = timezone.now()
    ages = {"SUCCESSFUL": (15, 13), "FAILED": (15, 1)}
    rows = {}
    for status, days_list in ages.items():
        for days in days_list:
            result = send_reminders.using(run_after=now + datetime.timedelta(days=1)).enqueue()
            DBTaskResult.objects.filter(pk=result.id).update(
                status=status, finished_at=now - datetime.timedelta(days=days)
            )
            rows[(status, days)] = result.id
    waiting = send_reminders.using(run_after=now + datetime.timedelta(days=1)).enqueue().id
    running = str(_running(send_reminders, 1).id)

    assert daily.run_daily() is True
    left = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert rows[("SUCCESSFUL", 15)] not in left and rows[("FAILED", 15)] not in left
    assert {rows[("SUCCESSFUL", 13)], rows[("FAILED", 1)], waiting, running} <= left
