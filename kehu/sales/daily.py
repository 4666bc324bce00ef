"""The daily jobs and their schedule: one run per day at KEHU_DAILY_HOUR, however many
workers there are (a `DailyRun` row per day decides who runs it)."""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kehu.activities.models import DailyRun
from kehu.core.schedule import enqueue_once

log = logging.getLogger(__name__)


def next_run(now=None) -> datetime.datetime:
    now = timezone.localtime(now)
    today = now.replace(hour=settings.DAILY_HOUR, minute=0, second=0, microsecond=0)
    return today if now < today else today + datetime.timedelta(days=1)


def run_daily(today: datetime.date | None = None) -> bool:
    """Run today's jobs unless they ran already; schedule the next run either way."""
    from kehu.core.recovery import prune_finished_tasks
    from kehu.sales.digest import send_digests
    from kehu.sales.scoring import rescore_open_leads, train

    day = today or timezone.localdate()
    try:
        with transaction.atomic():
            run = DailyRun.objects.create(day=day)
    except IntegrityError:
        schedule_next()
        return False
    try:
        for job in (train, rescore_open_leads, prune_finished_tasks):
            try:
                job()
            except Exception:  # one job failing must not keep the others from running
                log.exception("daily job %s failed", job.__name__)
        try:
            run.digests = send_digests()
        except Exception:
            log.exception("daily digests failed")
        run.finished_at = timezone.now()
        run.save(update_fields=["digests", "finished_at"])
    finally:
        schedule_next()  # tomorrow's run, whatever happened today
    return True


def schedule_next() -> None:
    """Queue the next daily run, unless one is queued already (the database queue)."""
    from kehu.sales.tasks import daily_jobs

    enqueue_once(daily_jobs, next_run())
