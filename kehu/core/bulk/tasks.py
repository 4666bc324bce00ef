"""Background work for bulk actions: running a large job in a worker, under a lease."""

import datetime
from typing import Any

from django_tasks import task

from kehu.core.bulk.models import BulkJob


@task(takes_context=True)
def run_bulk_job(context: Any, job_id: int) -> None:
    """Run or resume a bulk job; a second run while a live one holds it does nothing. The
    lease is named after this run, so the recovery sweep knows which run holds the job."""
    from kehu.core import leases
    from kehu.core.bulk.running import run

    token = str(context.task_result.id)
    unfinished = BulkJob.objects.filter(status__in=[BulkJob.Status.PENDING, BulkJob.Status.RUNNING])
    if leases.claim(unfinished, job_id, token) is None:
        return
    job = BulkJob.objects.select_related("user", "user__role").get(pk=job_id)
    try:
        run(job, token=token)
    except leases.LostLease:
        return  # another run took the job over


def resume_interrupted_jobs(now: datetime.datetime | None = None) -> int:
    """Queue a run for each large job whose worker stopped (its lease ran out); it goes on
    after the last committed batch. Returns how many were queued."""
    from kehu.core import leases

    running = BulkJob.objects.filter(status=BulkJob.Status.RUNNING, in_worker=True)
    ids = list(leases.expired(running, now).values_list("pk", flat=True)[:100])
    for pk in ids:
        run_bulk_job.enqueue(pk)
    return len(ids)


def bulk_run_alive(row: Any, now: datetime.datetime) -> bool:
    """Whether a RUNNING queue row of `run_bulk_job` still holds its job's lease."""
    from kehu.core import leases

    held = BulkJob.objects.filter(status=BulkJob.Status.RUNNING, lease_token=str(row.pk))
    return leases.live(held, now).exists()
