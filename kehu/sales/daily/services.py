"""The daily jobs and their schedule: one run per day at KEHU_DAILY_HOUR, however many
workers there are (a `DailyRun` row per day decides who runs it)."""

import datetime
import logging
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from kehu.core.schedule import enqueue_once, next_daily_run
from kehu.sales.daily.models import DailyRun

if TYPE_CHECKING:
    from django_tasks_db.models import DBTaskResult

log = logging.getLogger(__name__)


#: a day's run with no live task this long after it started was left by a dead worker
ABANDONED_AFTER = datetime.timedelta(hours=1)


def run_daily(today: datetime.date | None = None, own_run: str | None = None) -> bool:
    """Run today's jobs unless they ran already (or a live worker runs them); schedule the
    next run either way. `own_run` is the id of the task run calling it, if any."""
    from kehu.core.recovery import prune_finished_tasks
    from kehu.sales.daily.digest import send_digests
    from kehu.sales.scoring.services import rescore_open_leads, train

    day = today or timezone.localdate()
    made_since = None
    run: DailyRun | None
    try:
        with transaction.atomic():
            run = DailyRun.objects.create(day=day)
    except IntegrityError:
        run = take_over_abandoned_run(day, own_run)
        if run is None:
            schedule_next()
            return False
        made_since = run.started_at
    try:
        for job in (train, rescore_open_leads, prune_finished_tasks):
            try:
                job()
            except Exception:  # one job failing must not keep the others from running
                log.exception("daily job %s failed", job.__name__)
        try:
            run.digests += send_digests(made_since)
        except Exception:
            log.exception("daily digests failed")
        run.finished_at = timezone.now()
        run.save(update_fields=["digests", "finished_at"])
    finally:
        schedule_next()  # tomorrow's run, whatever happened today
    return True


def _live_runs(own_run: str | None = None) -> "QuerySet[DBTaskResult[Any, Any]]":
    """Runs of the daily jobs a worker is on right now (the database queue), other than ours."""
    from django_tasks_db.models import DBTaskResult

    from kehu.sales.tasks import daily_jobs

    running = DBTaskResult.objects.filter(task_path=daily_jobs.module_path, status="RUNNING")
    return running.exclude(pk=own_run) if own_run else running


def take_over_abandoned_run(day: datetime.date, own_run: str | None = None) -> DailyRun | None:
    """The day's unfinished run, taken over, when the worker that started it died (no live
    run of the daily jobs, and it started over ABANDONED_AFTER ago); else None. Of several
    workers asking at once, one gets it (a conditional UPDATE of its start)."""
    from kehu.core.recovery import uses_database_queue

    if not uses_database_queue() or _live_runs(own_run).exists():
        return None
    now = timezone.now()
    run = DailyRun.objects.filter(
        day=day, finished_at__isnull=True, started_at__lt=now - ABANDONED_AFTER
    ).first()
    if run is None:
        return None
    taken = DailyRun.objects.filter(pk=run.pk, started_at=run.started_at).update(started_at=now)
    if not taken:
        return None
    log.warning("the daily jobs of %s were left unfinished by a worker that stopped; taking over",
                day)  # fmt: skip
    return run  # its started_at is still the first run's: digests made since then stay sent


def queue_abandoned_run(now: datetime.datetime | None = None) -> None:
    """A recovery sweep (`kehu.core.recovery`): when today's run was left unfinished by a dead
    worker, run the daily jobs again now; they skip what was done (digests already sent)."""
    from kehu.core.recovery import uses_database_queue
    from kehu.sales.tasks import daily_jobs

    if not uses_database_queue() or _live_runs().exists():
        return
    now = now or timezone.now()
    abandoned = DailyRun.objects.filter(
        day=timezone.localdate(now), finished_at__isnull=True, started_at__lt=now - ABANDONED_AFTER
    )
    if not abandoned.exists():
        return
    from django.db.models import Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    soon = Q(run_after__lte=now + datetime.timedelta(minutes=5)) | Q(run_after=get_date_max())
    waiting = DBTaskResult.objects.filter(soon, task_path=daily_jobs.module_path, status="READY")
    if not waiting.exists():
        daily_jobs.enqueue()


def schedule_next() -> None:
    """Queue the next daily run, unless one is queued already (the database queue)."""
    from kehu.sales.tasks import daily_jobs

    enqueue_once(daily_jobs, next_daily_run())
