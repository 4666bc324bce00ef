"""Background work for activities: the reminder sweep, once a minute."""

import datetime
import logging

from django.utils import timezone
from django_tasks import task

from kehu.core.schedule import enqueue_once

log = logging.getLogger(__name__)


@task()
def send_reminders() -> int:
    """Send the reminders that are due (and give up on emails whose sending was lost), retry
    the meeting invitations that wait, then queue the next sweep for the next minute."""
    from kehu.activities.invitations.services import send_waiting_invitations
    from kehu.activities.reminders import send_due
    from kehu.mail.sending import fail_stale_queued

    try:
        fail_stale_queued()  # no email waits in "sending" forever
        delivered = send_due()
        send_waiting_invitations()  # refused earlier, or left behind by a worker that died
        return delivered
    finally:
        schedule_reminders()  # the next minute's sweep, whatever happened in this one


def next_sweep(now: datetime.datetime | None = None) -> datetime.datetime:
    """The start of the next minute."""
    now = now or timezone.now()
    return now.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)


def schedule_reminders() -> None:
    """Queue the next reminder sweep, unless one is queued already (the database queue)."""
    enqueue_once(send_reminders, next_sweep())
