"""Scheduled reports: when each goes out, and the sweep and the emails that send it.

Periodic work in Kehu has no cron: a task queues its own next run (kehu/core/schedule.py), and
`kehu worker` queues lost recurring tasks at start (kehu/core/recovery.py). The sweep runs every
SWEEP_MINUTES, turns each due schedule into one `ReportDelivery` row per active recipient (the
row makes sending idempotent) and queues one email task per row. Each recipient's email holds
the report run as that recipient, over the records they may see, as an inline table and an
XLSX attachment. A schedule whose owner is deactivated stops; an inactive recipient gets
nothing.
"""

from __future__ import annotations

import calendar
import datetime
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.analytics.metrics.compute import zone_of
from kehu.analytics.reports.models import ReportDelivery, ReportSchedule
from kehu.core.schedule import enqueue_once

log = logging.getLogger(__name__)
SWEEP_MINUTES = 5
#: tries of one email before it is marked failed, and the pause before each new try
MAX_ATTEMPTS = 3
RETRY_AFTER = datetime.timedelta(minutes=5)


def next_run(
    schedule: ReportSchedule, owner: Any, after: datetime.datetime | None = None
) -> datetime.datetime:
    """The first time after `after` (default now) the schedule goes out: its hour in the
    owner's time zone, every day, on its weekday, or on its day of the month."""
    zone = zone_of(owner)
    now = (after or timezone.now()).astimezone(zone)
    day = now.date()
    for _step in range(400):
        moment = datetime.datetime.combine(day, datetime.time(schedule.hour), tzinfo=zone)
        fits = (
            schedule.frequency == ReportSchedule.Frequency.DAILY
            or (schedule.frequency == ReportSchedule.Frequency.WEEKLY
                and day.weekday() == schedule.weekday)
            or (schedule.frequency == ReportSchedule.Frequency.MONTHLY
                and day.day == min(schedule.day, calendar.monthrange(day.year, day.month)[1]))
        )  # fmt: skip
        if fits and moment > now:
            return moment
        day += datetime.timedelta(days=1)
    raise ValueError("no next run found")  # pragma: no cover (every frequency fits a month)


def queue_due(now: datetime.datetime | None = None) -> list[int]:
    """Make the deliveries of every schedule that is due, move each schedule to its next run,
    and return the ids of the deliveries made (the caller queues their emails)."""
    now = now or timezone.now()
    made: list[int] = []
    due = ReportSchedule.objects.filter(active=True, next_run_at__lte=now).select_related(
        "report__owner"
    )
    for schedule in list(due[:200]):
        owner = schedule.report.owner
        with transaction.atomic():
            locked = ReportSchedule.objects.select_for_update().filter(
                pk=schedule.pk, next_run_at=schedule.next_run_at, active=True
            )
            if not locked.exists():
                continue  # another worker took it
            if not owner.is_active:  # stops for good when the owner leaves
                locked.update(active=False)
                continue
            for recipient in schedule.recipients.filter(is_active=True):
                try:
                    with transaction.atomic():
                        delivery = ReportDelivery.objects.create(
                            schedule=schedule, recipient=recipient, due_at=schedule.next_run_at
                        )
                except IntegrityError:
                    continue
                made.append(delivery.pk)
            locked.update(next_run_at=next_run(schedule, owner, now))
    return made


#: how long the result of a run in the worker is kept for its viewer
KEEP_RUNS = datetime.timedelta(days=7)


def prune_runs(now: datetime.datetime | None = None) -> int:
    """Forget the runs in the worker older than KEEP_RUNS; returns how many."""
    from kehu.analytics.reports.models import ReportRun

    cutoff = (now or timezone.now()) - KEEP_RUNS
    return ReportRun.objects.filter(created_at__lt=cutoff).delete()[0]


def send_due(now: datetime.datetime | None = None) -> int:
    """The sweep's work: queue the emails of every due schedule (and forget old runs);
    returns how many emails were queued."""
    from kehu.analytics.reports.tasks import deliver_report

    prune_runs(now)
    made = queue_due(now)
    for pk in made:
        deliver_report.enqueue(pk)
    return len(made)


def schedule_sweep() -> None:
    """Queue the next sweep, unless one is queued already."""
    from kehu.analytics.reports.tasks import send_scheduled_reports

    now = timezone.now().replace(second=0, microsecond=0)
    enqueue_once(send_scheduled_reports, now + datetime.timedelta(minutes=SWEEP_MINUTES))


def _email(delivery: ReportDelivery) -> EmailMultiAlternatives:
    """The report run as its recipient, as an inline table and an XLSX attachment."""
    from kehu.analytics.reports import definition, exporting, presenting, running

    report = delivery.schedule.report
    recipient = delivery.recipient
    parsed = definition.parse(report.definition)
    result = running.run(parsed, recipient)
    table = presenting.table_of(result)
    url = settings.PUBLIC_URL.rstrip("/") + report_path(report.pk)
    context = {"report": report, "table": table, "url": url, "truncated": result.truncated}
    subject = _("Kehu report: %(name)s") % {"name": report.name}
    mail = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reports/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    mail.attach_alternative(render_to_string("reports/email.html", context), "text/html")
    handle = exporting.xlsx_file(table)
    mail.attach(
        f"{exporting.file_name(report.name)}.xlsx",
        handle.read(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    handle.close()
    return mail


def report_path(pk: int) -> str:
    from django.urls import reverse

    return reverse("report-detail", args=[pk])


def deliver(delivery_pk: int) -> str:
    """Send one queued delivery (each try once; a sent one never again). Returns its status,
    or "retry" when it should be tried again later."""
    delivery = (
        ReportDelivery.objects.select_related("schedule__report__owner", "recipient")
        .filter(pk=delivery_pk)
        .first()
    )
    if delivery is None or delivery.status != ReportDelivery.Status.QUEUED:
        return delivery.status if delivery else "missing"
    recipient = delivery.recipient
    owner = delivery.schedule.report.owner
    if not settings.EMAIL_HOST or not recipient.email:
        delivery.status = ReportDelivery.Status.SKIPPED
        delivery.error = "no email server set up, or no address"
        delivery.save(update_fields=["status", "error"])
        return delivery.status
    if not recipient.is_active or not owner.is_active:
        delivery.status = ReportDelivery.Status.SKIPPED
        delivery.error = "inactive"
        delivery.save(update_fields=["status", "error"])
        return delivery.status
    claimed = ReportDelivery.objects.filter(
        pk=delivery.pk, status=ReportDelivery.Status.QUEUED, attempts=delivery.attempts
    ).update(attempts=delivery.attempts + 1)
    if not claimed:
        return "taken"  # another worker is on it
    delivery.attempts += 1
    try:
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            mail = _email(delivery)
        mail.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        delivery.error = f"{type(exc).__name__}: {exc}"[:500]
        if delivery.attempts < MAX_ATTEMPTS:
            delivery.save(update_fields=["error"])
            return "retry"
        delivery.status = ReportDelivery.Status.FAILED
        delivery.save(update_fields=["status", "error"])
        log.warning("scheduled report %s to user %s failed", delivery.schedule_id, recipient.pk)
        return delivery.status
    delivery.status = ReportDelivery.Status.SENT
    delivery.error = ""
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["status", "error", "sent_at"])
    return delivery.status
