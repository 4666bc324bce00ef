"""After a crash: finding the work a killed worker left half done and taking it up again.

The database queue (`django-tasks-db`) marks a task RUNNING when a worker takes it and
finished when the worker reports back; a worker killed in between leaves it RUNNING for ever,
and nothing in the library notices. So every app tells this module about its tasks:

- `watch_task(task, longest=..., alive=..., reschedule=...)`: a RUNNING run older than
  `longest` (or, with `alive`, one the work's own lease says nobody holds) belongs to a worker
  that stopped: it is marked failed ("the worker running it stopped"); a recurring task's
  `reschedule` queues its next run again when none is queued or running, so a chain of
  recurring runs (daily jobs, the reminder sweep, mail polling) is never lost, and never runs
  twice at once because a live run is left alone;
- `add_sweep(function)`: a function that takes up the app's own interrupted work (imports
  whose lease ran out, emails stuck in "sending").

`recover()` runs all of that; the recurring task `recover_interrupted_work` runs it every
lease length (at most a minute), and `kehu worker` runs it once when it starts.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from kehu.core import leases
from kehu.core.schedule import enqueue_once
from kehu.core.unavailable import log_outage, unavailable_reason

if TYPE_CHECKING:
    from django_tasks.base import Task

log = logging.getLogger(__name__)

#: what a task run left behind by a dead worker is marked failed with
WORKER_STOPPED = "kehu.core.recovery.WorkerStopped"
#: a run of a task nobody registered is taken for dead after this long
DEFAULT_LONGEST = datetime.timedelta(hours=6)


@dataclass
class Watch:
    path: str
    longest: datetime.timedelta | None
    alive: Callable[..., Any] | None
    reschedule: Callable[[], None] | None


_watches: dict[str, Watch] = {}
_sweeps: list[Callable[..., Any]] = []


def watch_task(task: Task[Any, Any], longest: datetime.timedelta | None = None,
               alive: Callable[..., Any] | None = None,
               reschedule: Callable[[], None] | None = None) -> None:  # fmt: skip
    """Register how to tell a dead run of `task` (see the module's docstring). `alive(row,
    now)` answers for one RUNNING DBTaskResult once it has run for a lease length."""
    _watches[task.module_path] = Watch(task.module_path, longest, alive, reschedule)


def add_sweep(function: Callable[..., Any]) -> None:
    """Register `function(now)`, which takes up its app's interrupted work."""
    if function not in _sweeps:
        _sweeps.append(function)


def uses_database_queue() -> bool:
    return "django_tasks_db" in settings.TASKS["default"]["BACKEND"]


#: finished task rows are kept this long, to look at what ran, then the daily jobs delete them
FINISHED_TASKS_KEPT_DAYS = 14


def prune_finished_tasks() -> None:
    """Delete finished task rows older than FINISHED_TASKS_KEPT_DAYS (the queue's own command):
    the recovery and reminder sweeps add a row a minute each, and the sweep reads the queue."""
    if uses_database_queue():
        from django.core.management import call_command

        call_command(
            "prune_db_task_results",
            queue_name="*",
            min_age_days=FINISHED_TASKS_KEPT_DAYS,
            verbosity=0,
        )


def waiting_for(task: Task[Any, Any]) -> set[Any] | None:
    """The first argument of every run of `task` that is queued or running (say, the ids of
    the emails being sent); None when the task backend is not the database queue."""
    if not uses_database_queue():
        return None
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(task_path=task.module_path, status__in=["READY", "RUNNING"])
    found = set()
    for args_kwargs in rows.values_list("args_kwargs", flat=True).iterator():
        args = (args_kwargs or {}).get("args") or []
        kwargs = (args_kwargs or {}).get("kwargs") or {}
        if args:
            found.add(args[0])
        elif kwargs:
            found.add(next(iter(kwargs.values())))
    return found


def fail_dead_runs(now: datetime.datetime | None = None) -> int:
    """Mark failed the RUNNING task rows whose worker stopped; returns how many."""
    if not uses_database_queue():
        return 0
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    lease = leases.duration()
    running = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=now - lease)
    failed = 0
    for row in list(running.only("id", "task_path", "started_at")):  # few; written below
        watch = _watches.get(row.task_path)
        if watch is not None and watch.alive is not None:
            dead = not watch.alive(row, now)
        else:
            longest = (watch.longest if watch else None) or DEFAULT_LONGEST
            dead = row.started_at is not None and row.started_at < now - longest
        if dead:
            failed += DBTaskResult.objects.filter(pk=row.pk, status="RUNNING").update(
                status="FAILED",
                finished_at=now,
                return_value=None,
                exception_class_path=WORKER_STOPPED,
                traceback="The worker running this task stopped (killed or crashed) before it "
                "finished; Kehu's recovery sweep marked it failed at "
                f"{now.isoformat()} (docs/operations.md, 'After a crash').",
            )
            log.warning("task %s (%s) was left running by a worker that stopped", row.pk,
                        row.task_path)  # fmt: skip
    return failed


def queue_lost_recurring() -> int:
    """Queue again each recurring task that has no run queued or running; returns how many."""
    if not uses_database_queue():
        return 0
    from django_tasks_db.models import DBTaskResult

    queued = 0
    for watch in list(_watches.values()):
        if watch.reschedule is None:
            continue
        pending = DBTaskResult.objects.filter(task_path=watch.path, status__in=["READY", "RUNNING"])
        if not pending.exists():
            watch.reschedule()
            queued += 1
    return queued


def recover(now: datetime.datetime | None = None) -> None:
    """Take up everything a dead worker left behind (each part on its own: one failing does
    not keep the others from running)."""
    for part in (fail_dead_runs, *_sweeps):
        try:
            part(now)
        except Exception as exc:
            _log_failure(exc, "recovery step %s failed", getattr(part, "__name__", part))
    try:
        queue_lost_recurring()
    except Exception as exc:
        _log_failure(exc, "queueing the recurring tasks again failed")


def _log_failure(exc: Exception, message: str, *args: object) -> None:
    """A database outage (locked, unreachable) is a warning without a traceback: the next
    sweep tries again. Anything else is a bug, logged with its traceback."""
    reason = unavailable_reason(exc)
    if reason is None:
        log.exception(message, *args)
    else:
        log_outage(exc, reason)


def every() -> datetime.timedelta:
    """How often the sweep runs: a lease length, at most a minute."""
    return min(leases.duration(), datetime.timedelta(minutes=1))


@task()
def recover_interrupted_work() -> None:
    """The recovery sweep: take up interrupted work, then queue the next sweep."""
    try:
        recover()
    finally:
        schedule_recovery()


def schedule_recovery() -> None:
    """Queue the next recovery sweep, unless one is queued already (`core.schedule`)."""
    enqueue_once(recover_interrupted_work, timezone.now() + every())


def keep_sweep_queued(sender: Any = None, task_result: Any = None, **kwargs: Any) -> None:
    """After every task a worker finishes, make sure a recovery sweep is queued: should a
    worker die in the middle of the sweep itself, its chain of runs is not lost either.
    (A `task_finished` receiver; it must never raise, or the finished task counts as failed.)"""
    if task_result is not None and task_result.task.module_path == _SWEEP_PATH:
        return  # the sweep queues its own next run
    try:
        schedule_recovery()
    except Exception:
        log.exception("could not queue the recovery sweep")


def after_worker_start() -> None:
    """What `kehu worker` does as it starts: a sweep now, and the recurring one queued."""
    recover()
    schedule_recovery()


_SWEEP_PATH = recover_interrupted_work.module_path
watch_task(
    recover_interrupted_work, longest=datetime.timedelta(minutes=10), reschedule=schedule_recovery
)
