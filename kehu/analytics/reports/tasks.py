"""Background work of reports: a slow run, the schedule sweep, one scheduled email."""

import logging

from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)


@task()
def run_report_in_background(run_id: str) -> str:
    """Run a report too large for a page, telling its progress as it goes; the result is kept
    for the viewer who asked."""
    from kehu.analytics.reports import definition, running
    from kehu.analytics.reports.models import ReportRun

    found = ReportRun.objects.select_related("viewer").filter(pk=run_id).first()
    if found is None or found.status != ReportRun.Status.QUEUED:
        return "missing" if found is None else found.status
    ReportRun.objects.filter(pk=found.pk).update(status=ReportRun.Status.RUNNING, progress=1)

    def progress(percent: int) -> None:
        ReportRun.objects.filter(pk=found.pk).update(progress=min(percent, 99))

    try:
        parsed = definition.parse(found.definition)
        result = running.run(parsed, found.viewer, progress=progress)
    except Exception as exc:
        log.exception("report run %s failed", found.pk)
        ReportRun.objects.filter(pk=found.pk).update(
            status=ReportRun.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        return ReportRun.Status.FAILED
    ReportRun.objects.filter(pk=found.pk).update(
        status=ReportRun.Status.DONE, progress=100, result=result.as_json(),
        finished_at=timezone.now(),
    )  # fmt: skip
    return ReportRun.Status.DONE


@task()
def send_scheduled_reports() -> int:
    """Queue the emails of every schedule that is due, then the next sweep."""
    from kehu.analytics.reports import schedules

    try:
        return schedules.send_due()
    finally:
        schedules.schedule_sweep()


@task()
def deliver_report(delivery_pk: int) -> str:
    """Email one scheduled report to one recipient; tried again later when the SMTP server
    refused it (up to schedules.MAX_ATTEMPTS tries)."""
    from kehu.analytics.reports import schedules

    status = schedules.deliver(delivery_pk)
    if status == "retry" and deliver_report.get_backend().supports_defer:
        deliver_report.using(run_after=timezone.now() + schedules.RETRY_AFTER).enqueue(delivery_pk)
    return status
