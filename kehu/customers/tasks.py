"""Background work for customers: running imports."""

from django.conf import settings
from django_tasks import task

from kehu.customers.imports.models import ImportJob


@task(takes_context=True)
def run_import(context, job_id: int) -> None:
    """Run or resume an import job; safe to call again after a crash (it resumes). The lease
    it takes is named after this run, so the recovery sweep knows which run holds the job."""
    from kehu.customers.imports.running import BATCH_SIZE, import_file

    job = ImportJob.objects.select_related("user", "user__role").filter(pk=job_id).first()
    if job is not None:
        batch_size = int(getattr(settings, "IMPORT_BATCH_SIZE", BATCH_SIZE))
        import_file(job, batch_size=batch_size, token=str(context.task_result.id))


def resume(job_id: int) -> bool:
    """Queue a run of the job unless one is queued already; returns whether it queued one."""
    from kehu.core.recovery import waiting_for

    waiting = waiting_for(run_import)
    if waiting is not None and job_id in waiting:
        return False
    run_import.enqueue(job_id)
    return True


def resume_interrupted_imports(now=None) -> int:
    """Queue a run for each running import whose lease ran out (its worker was killed or
    crashed); it goes on after the last committed batch. With the database queue, also for
    each import waiting to start whose run is neither queued nor running (its worker died
    before the import began). Returns how many were queued."""
    from kehu.core import leases
    from kehu.core.recovery import waiting_for

    running = ImportJob.objects.filter(status=ImportJob.Status.RUNNING)
    ids = list(leases.expired(running, now).values_list("pk", flat=True)[:100])
    waiting = waiting_for(run_import)
    if waiting is not None:
        pending = ImportJob.objects.filter(status=ImportJob.Status.PENDING).exclude(pk__in=waiting)
        ids += pending.values_list("pk", flat=True)[:100]
    return sum(resume(pk) for pk in ids)


def import_run_alive(row, now) -> bool:
    """Whether a RUNNING queue row of `run_import` still holds its job's lease (see
    `run_import`: the lease token is the run's id)."""
    from kehu.core import leases

    held = ImportJob.objects.filter(status=ImportJob.Status.RUNNING, lease_token=str(row.pk))
    return leases.live(held, now).exists()


@task()
def scan_duplicates(scan_id: int) -> None:
    """Fill the duplicates queue (kehu/customers/duplicates/scanning.py), with progress on
    the scan row the queue page shows."""
    from kehu.customers.duplicates.models import DuplicateScan
    from kehu.customers.duplicates.scanning import run_scan

    scan = DuplicateScan.objects.filter(pk=scan_id, status="queued").first()
    if scan is not None:
        run_scan(scan)
