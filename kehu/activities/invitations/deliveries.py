"""Sending the recorded invitations: each invitation to each recipient is an
`InvitationDelivery` row, written as pending in the transaction that changes the meeting
(`services.plan`); `send_pending` sends the pending ones and marks each sent as soon as the
mail server took it. A worker that dies mid-batch leaves the rest pending (the reminder sweep
picks them up); one the mail server refused waits and is tried again (backoff), so nobody's
invitation is lost and nobody gets one twice."""

import contextlib
import datetime
import logging
import smtplib
from typing import Any

from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F, QuerySet
from django.utils import timezone

from kehu.accounts.models import User
from kehu.activities.invitations.emails import REQUEST, build_invitation
from kehu.activities.models import Activity, InvitationDelivery
from kehu.activities.reminders import claimable, retry_delay, stable_message_id

log = logging.getLogger(__name__)

#: tries of one invitation before it is given up (status "failed")
MAX_ATTEMPTS = 5
#: invitations one run sends at most; the next sweep (a minute later) takes the rest
BATCH_SIZE = 100


def _due(now: datetime.datetime) -> QuerySet[InvitationDelivery]:
    pending = InvitationDelivery.objects.filter(
        status=InvitationDelivery.Status.PENDING, next_try_at__lte=now
    )
    return pending.filter(claimable(now))


def send_pending(activity_id: int | None = None, now: datetime.datetime | None = None,
                 limit: int = BATCH_SIZE) -> int:  # fmt: skip
    """Send the pending deliveries that are due (of one meeting, or all), one SMTP session
    for the batch; returns how many the mail server took.

    Each is claimed first (one conditional UPDATE, which also counts the attempt), so two
    workers never send the same one; it is marked sent right after the server took it. The
    one moment a crash leaves work done but not written down is between those two: the
    claim then expires and it is sent again with the same Message-ID (the delivery's id),
    by which mail servers and clients drop the repeat, and the same UID and SEQUENCE, by
    which calendars keep one event."""
    start = now or timezone.now()
    clock = start - timezone.now()  # tests pass their own `now`: time runs on from it
    due = _due(start)
    if activity_id is not None:
        due = due.filter(activity_id=activity_id)
    ids = list(due.order_by("activity_id", "sequence", "id").values_list("id", flat=True)[:limit])
    if not ids:
        return 0
    sent = 0
    connection = get_connection()
    try:
        try:
            connection.open()  # one SMTP session for all of them
        except (smtplib.SMTPException, OSError) as exc:
            log.warning("invitations: no SMTP connection: %s", exc)
            for pk in ids:  # all of them wait for the next try
                current = timezone.now() + clock
                if _claim(pk, current):
                    _failed(pk, current, current, _error(exc))
            return 0
        for pk in ids:
            current = timezone.now() + clock
            if not _claim(pk, current):
                continue  # another worker has it, or it is done
            try:
                sent += _deliver(pk, current, connection)
            except (smtplib.SMTPException, OSError, ValueError) as exc:  # refused, down, bad header
                log.warning("invitation delivery %s failed: %s", pk, exc)
                _failed(pk, current, current, _error(exc))
                if _connection_lost(exc):
                    break  # the server is gone: the rest wait for the next run, untouched
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    connection.close()  # a fresh session for the next one
                    connection.open()
            except Exception as exc:  # a bug or a database error: this one waits, the rest go on
                log.exception("invitation delivery %s could not be sent", pk)
                _failed(pk, current, current, _error(exc))
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    return sent


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)


def _claim(pk: int, now: datetime.datetime) -> bool:
    """Take one due delivery nobody holds; `now` is the token every later write checks.
    Counting the attempt here means even one that kills its worker every time ends."""
    return bool(_due(now).filter(pk=pk).update(claimed_at=now, attempts=F("attempts") + 1))


def _ours(pk: int, token: datetime.datetime) -> QuerySet[InvitationDelivery]:
    return InvitationDelivery.objects.filter(pk=pk, claimed_at=token)


def _failed(pk: int, token: datetime.datetime, now: datetime.datetime, error: str) -> None:
    """Release the claim and try again later (backoff); after MAX_ATTEMPTS, give it up."""
    attempts = _ours(pk, token).values_list("attempts", flat=True).first()
    if attempts is None:
        return  # no longer ours
    changes: dict[str, Any] = {"last_error": error, "claimed_at": None}
    if attempts >= MAX_ATTEMPTS:
        changes["status"] = InvitationDelivery.Status.FAILED
    else:
        changes["next_try_at"] = now + retry_delay(attempts)
    _ours(pk, token).update(**changes)


def why_not(delivery: InvitationDelivery, now: datetime.datetime) -> str:
    """Why this delivery must not be sent any more, or "" when it should be."""
    activity = delivery.activity
    recipient = delivery.recipient
    if recipient is None:
        return "recipient deleted"
    newer = InvitationDelivery.objects.filter(
        activity_id=delivery.activity_id, address=delivery.address, sequence__gt=delivery.sequence
    )
    if newer.exists():
        return "superseded"  # a later version of the meeting goes to them instead
    if delivery.method == REQUEST:
        if activity.deleted_at is not None:
            return "meeting deleted"
        if (activity.ends_at or activity.at) < now:
            return "meeting over"
        attendees = activity.attendee_users if delivery.user_id else activity.attendee_people
        if not attendees.filter(pk=recipient.pk).exists():
            return "no longer invited"
    if delivery.user is not None and not _may_receive(delivery.user, activity):
        return "may not see the meeting"
    return ""


def _may_receive(user: User, activity: Activity) -> bool:
    return user.is_active and Activity.all_objects.visible_to(user).filter(pk=activity.pk).exists()


def _deliver(pk: int, token: datetime.datetime, connection: BaseEmailBackend) -> bool:
    """Send one claimed delivery and mark it sent; False when it is not to be sent (any
    more). What the mail server refused is raised."""
    delivery = (
        InvitationDelivery.objects.select_related("activity__owner", "user", "person", "actor")
        .filter(pk=pk, claimed_at=token)
        .first()
    )
    if delivery is None:
        return False  # our claim expired and another worker took it over
    reason = why_not(delivery, token)
    if reason:
        _ours(pk, token).update(
            status=InvitationDelivery.Status.SKIPPED, last_error=reason, claimed_at=None
        )
        return False
    activity = delivery.activity
    recipient = delivery.recipient
    assert recipient is not None  # `why_not` refused a delivery whose recipient is gone
    email = build_invitation(
        activity,
        delivery.method,
        recipient,
        delivery.actor,
        address=delivery.address,
        message_id=stable_message_id("invitation", delivery.pk),
    )
    email.connection = connection
    if not email.send():
        raise smtplib.SMTPException("the mail server did not take the message")
    _ours(pk, token).update(
        status=InvitationDelivery.Status.SENT,
        sent_at=timezone.now(),
        claimed_at=None,
        last_error="",
    )
    return True
