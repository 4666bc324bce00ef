"""Background work of surveys: sending one invitation's mail (idempotent: only a queued one
is sent) and the daily run that sends the NPS surveys whose time has come."""

import datetime
import logging
import smtplib
from email.utils import format_datetime, formataddr

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from kehu.core.schedule import enqueue_once

log = logging.getLogger(__name__)


def _deliver(response) -> str:
    from django.core.mail import EmailMessage

    from kehu.mail.sending import new_message_id, sender_address
    from kehu.service.mailbox.replies import mailbox_of
    from kehu.service.surveys.models import SurveyResponse
    from kehu.service.surveys.services import mail_subject, mail_text

    if response is None:
        return "missing"
    if response.mail_status != SurveyResponse.MailStatus.QUEUED:
        return response.mail_status  # sent already, or given up on
    mailbox = mailbox_of(response.ticket) if response.ticket_id else None
    address, name = (mailbox.address, mailbox.name) if mailbox else (sender_address(), "")
    mail = EmailMessage(
        subject=mail_subject(response),
        body=mail_text(response),
        from_email=formataddr((name, address)),
        to=[response.email],
        headers={
            "Message-ID": new_message_id(),
            "Date": format_datetime(timezone.now()),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    try:
        mail.send(fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        SurveyResponse.objects.filter(pk=response.pk).update(
            mail_status=SurveyResponse.MailStatus.FAILED,
            mail_error=f"{type(exc).__name__}: {exc}"[:500],
        )
        return SurveyResponse.MailStatus.FAILED
    SurveyResponse.objects.filter(pk=response.pk).update(
        mail_status=SurveyResponse.MailStatus.SENT, mail_error=""
    )
    return SurveyResponse.MailStatus.SENT


@task()
def deliver_survey_mail(pk: int) -> str:
    """Hand one queued survey mail to the SMTP server; on PostgreSQL the row is locked while
    it is sent, so two workers never both send it."""
    from kehu.service.surveys.models import SurveyResponse

    rows = SurveyResponse.all_objects.select_related("ticket")
    if connection.features.has_select_for_update:
        with transaction.atomic():
            return _deliver(rows.select_for_update(of=("self",)).filter(pk=pk).first())
    return _deliver(rows.filter(pk=pk).first())


@task()
def send_nps_surveys() -> int:
    """Send the NPS surveys that are due, then queue tomorrow's run."""
    from kehu.service.surveys.services import send_due_nps

    try:
        return send_due_nps()
    finally:
        schedule_next()


def next_run() -> datetime.datetime:
    """Ten in the morning, server time, the next one to come (a civil hour to be asked)."""
    zone = timezone.get_default_timezone()
    now = timezone.now().astimezone(zone)
    run = now.replace(hour=10, minute=0, second=0, microsecond=0)
    return run if run > now else run + datetime.timedelta(days=1)


def schedule_next() -> None:
    enqueue_once(send_nps_surveys, next_run())
