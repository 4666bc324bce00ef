"""Recurring background work without cron: a task queues its own next run, once.

However many workers start, `enqueue_once` keeps one waiting run per task in the database
queue; each run queues the next when it ends (daily jobs, the reminder sweep, mail polling).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from django_tasks.base import Task


def next_daily_run(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next KEHU_DAILY_HOUR, local time: when the nightly work (daily jobs, catch-ups) runs."""
    now = timezone.localtime(now)
    at = now.replace(hour=settings.DAILY_HOUR, minute=0, second=0, microsecond=0)
    return at if now < at else at + datetime.timedelta(days=1)


def enqueue_once(task: Task[Any, Any], run_after: datetime.datetime) -> bool:
    """Queue `task` to run after `run_after` unless a run of it already waits; returns whether
    it queued one. Backends that cannot defer (the tests' immediate one) queue nothing."""
    if not task.get_backend().supports_defer:
        return False
    if _already_queued(task.module_path):
        return False
    task.using(run_after=run_after).enqueue()
    return True


def _already_queued(path: str) -> bool:
    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return False  # another task backend keeps its own schedule
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=path, status="READY").exists()
