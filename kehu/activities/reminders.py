"""Reminders before a meeting starts or a task is due: planned here whenever an activity is
written, sent by the reminder sweep (`send_due`)."""

import datetime
import logging
import smtplib
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities.models import Activity, Reminder
from kehu.activities.notifications.services import notify

log = logging.getLogger(__name__)


def people_to_remind(activity: Activity) -> list[User]:
    """The owner, and for a meeting the colleagues invited to it — those who may see its
    record: a reminder names the record, and nobody is sent to a page that answers 404."""
    from kehu.core import visibility

    users = {activity.owner_id: activity.owner}
    if activity.kind == Activity.Kind.MEETING and activity.pk:
        users.update({u.pk: u for u in activity.attendee_users.all()})
    record = activity.record
    return [
        u
        for u in users.values()
        if u is not None
        and u.is_active
        and record is not None
        and visibility.can(u, record.module, "read")
        and visibility.in_scope(u, record)
    ]


def plan(activity: Activity) -> None:
    """Make the activity's unsent reminders match it now: one per person at the time its
    reminder setting gives, none for a done or deleted task or a past time. Reminders already
    sent stay as they were, so a reminder is never sent twice for the same time."""
    pending = Reminder.objects.filter(activity=activity, sent_at__isnull=True, cancelled="")
    moment = activity.starts_or_due()
    wanted = {}
    if (
        activity.remind_minutes is not None
        and moment is not None
        and activity.deleted_at is None
        and activity.done_at is None
    ):
        due = moment - datetime.timedelta(minutes=activity.remind_minutes)
        if due > timezone.now() - datetime.timedelta(minutes=1):
            wanted = {user.pk: due for user in people_to_remind(activity)}
    for reminder in pending:
        if wanted.get(reminder.user_id) == reminder.due_at:
            wanted.pop(reminder.user_id)
        elif reminder.claimed_at is None:
            reminder.delete()
    if wanted:
        # one that was called off (say the task was done) and never reached anyone comes back
        # when the activity needs it again (the task reopened): the row is unique per time
        Reminder.objects.filter(
            activity=activity,
            user_id__in=list(wanted),
            due_at__in=list(set(wanted.values())),
            sent_at__isnull=True,
            notified_at__isnull=True,
            claimed_at__isnull=True,
        ).exclude(cancelled="").update(
            cancelled="", next_try_at=F("due_at"), attempts=0, last_error=""
        )
    sent = set(Reminder.objects.filter(activity=activity).values_list("user_id", "due_at"))
    Reminder.objects.bulk_create(
        [
            Reminder(activity=activity, user_id=user_id, due_at=due, next_try_at=due)
            for user_id, due in wanted.items()
            if (user_id, due) not in sent
        ]
    )


# ---------------------------------------------------------------- sending

#: a claim older than this belongs to a worker that died mid-way: another may take it over
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)
#: minutes to wait before the next try after the email failed (the last repeats)
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
#: tries before giving up on the email (the bell notification stays)
MAX_ATTEMPTS = 6
#: reminders one sweep looks at; the next sweep (a minute later) takes the rest
SWEEP_SIZE = 200
#: a meeting reminder that could not go out before the meeting ended is not sent any more
MEETING_GRACE = datetime.timedelta(hours=1)


#: how long one sweep goes on claiming (each claim is far below CLAIM_TIMEOUT)
SWEEP_SECONDS = datetime.timedelta(seconds=50)


def send_due(now: datetime.datetime | None = None, limit: int = SWEEP_SIZE) -> int:
    """Send the reminders that are due; returns how many reached their user.

    Each reminder goes through three steps, every one a conditional write on the claim the
    worker made, so the same reminder is never handled by two workers at once and a worker
    that died is replaced:

    1. claim: `claimed_at` is set only where it is empty (or older than CLAIM_TIMEOUT: its
       worker died) — one UPDATE ... WHERE, so of two workers exactly one wins (on PostgreSQL
       the candidates are also read FOR UPDATE SKIP LOCKED, so workers do not queue up on
       the same rows);
    2. bell: the notification and `notified_at` are written in one transaction, which also
       checks the claim is still ours; a worker that dies before it commits leaves neither,
       so the next one makes it; one that dies after leaves `notified_at`, so it is never
       made twice;
    3. email (outside any transaction, it talks to the network): on success `emailed_at` and
       `sent_at` are written and the claim released; on failure the error, the attempt and
       the next try time (backoff) are, and the claim is released; after MAX_ATTEMPTS it is
       called off as "email failed" — the bell notification stays.

    So a reminder is never lost: until `sent_at` or `cancelled` is written it stays pending,
    and an abandoned claim expires. The one moment a worker can die with the work done but
    not written down is between the SMTP server accepting the email and the commit of step
    3; the next worker would send it again, with the same Message-ID (derived from the
    reminder's id), which mail servers and clients use to drop the duplicate.
    """
    start = now or timezone.now()
    clock = start - timezone.now()  # tests pass their own `now`: time runs on from it
    delivered = 0
    for _sweep in range(limit):
        # each claim is stamped with the time it is made, not the sweep's start: a sweep
        # slowed by a hanging mail server never holds claims that look abandoned
        elapsed = int((timezone.now() + clock - start).total_seconds())  # whole seconds
        current = start + datetime.timedelta(seconds=elapsed)
        if current - start > SWEEP_SECONDS:
            break  # the next sweep (a minute on) goes on; bells are not kept waiting
        reminder_id = _claim_next(current)
        if reminder_id is None:
            break
        try:
            delivered += _deliver(reminder_id, current, current)
        except Exception as exc:  # a bug or a database error: this one waits, the rest go on
            log.exception("reminder %s could not be sent", reminder_id)
            _failed(reminder_id, current, current, f"{type(exc).__name__}: {exc}", "failed")
    return delivered


def claimable(now: datetime.datetime) -> Q:
    """Rows nobody holds: never claimed, or claimed by a worker that died (CLAIM_TIMEOUT);
    for any model with a `claimed_at` (reminders, invitation deliveries)."""
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed try (BACKOFF_MINUTES, the last repeats)."""
    return datetime.timedelta(
        minutes=BACKOFF_MINUTES[min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1]
    )


def _due(now: datetime.datetime) -> QuerySet[Reminder]:
    """Due reminders nobody holds, oldest first (the partial index `reminder_pending_idx`)."""
    pending = Reminder.objects.filter(sent_at__isnull=True, cancelled="", next_try_at__lte=now)
    return pending.filter(claimable(now)).order_by("next_try_at", "id")


def _claim_next(now: datetime.datetime) -> int | None:
    """Take one due reminder nobody holds; its claim time (`now`) is the token every later
    write checks. One at a time, so a claim is held for seconds, far below CLAIM_TIMEOUT.
    Counting the attempt here means even a reminder that kills its worker every time ends."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _race in range(5):  # a few lost races in a row, then leave the rest to the next sweep
        with transaction.atomic():
            candidates = _due(now)
            if skip_locked:  # rows another worker is claiming are skipped, not waited for
                candidates = candidates.select_for_update(skip_locked=True)
            reminder_id = candidates.values_list("id", flat=True).first()
            if reminder_id is None:
                return None
            # the WHERE is checked again under the row's write lock: of two workers, one wins
            won = (
                _due(now).filter(pk=reminder_id).update(claimed_at=now, attempts=F("attempts") + 1)
            )
        if won:
            return reminder_id
    return None


def _ours(reminder_id: int, token: datetime.datetime) -> QuerySet[Reminder]:
    return Reminder.objects.filter(pk=reminder_id, claimed_at=token)


class _LostClaim(Exception):
    """Our claim expired and another worker took the reminder over: leave it to them."""


def why_not(reminder: Reminder, now: datetime.datetime) -> str:
    """Why this reminder must not be sent any more, or "" when it should be."""
    activity = reminder.activity
    if activity.deleted_at is not None:
        return "activity deleted"
    if activity.kind == Activity.Kind.TASK and activity.done_at is not None:
        return "task done"
    moment = activity.starts_or_due()
    if moment is None or activity.remind_minutes is None:
        return "reminder removed"
    if moment - datetime.timedelta(minutes=activity.remind_minutes) != reminder.due_at:
        return "moment moved"
    user = reminder.user
    if not user.is_active:
        return "user inactive"
    if user.pk not in {u.pk for u in people_to_remind(activity)}:
        return "no longer invited"
    record = activity.record
    if record is None or getattr(record, "deleted_at", None) is not None:
        return "record deleted"
    if activity.kind == Activity.Kind.MEETING:
        end = activity.ends_at or activity.at
        if now > max(end, activity.at + MEETING_GRACE):
            return "too late"
    return ""


def _deliver(reminder_id: int, token: datetime.datetime, now: datetime.datetime) -> bool:
    """Tell the user about one claimed reminder (or call it off); True when it reached them."""
    try:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_related("user", "activity")
                .filter(pk=reminder_id, claimed_at=token)
                .first()
            )
            if reminder is None:
                raise _LostClaim
            reason = why_not(reminder, now)
            if reason:
                _ours(reminder_id, token).update(cancelled=reason, claimed_at=None)
                return False
            message = reminder_message(reminder)
            if reminder.notified_at is None:
                notify(reminder.user, "reminder", message.text, message.url)
                if not _ours(reminder_id, token).update(notified_at=now):
                    raise _LostClaim  # rolls the notification back
            if not wants_email(reminder.user):
                _ours(reminder_id, token).update(sent_at=now, claimed_at=None, last_error="")
                return True
    except _LostClaim:
        return False
    try:
        send_email(reminder, message)
    except (smtplib.SMTPException, OSError, ValueError) as exc:  # refused, down, bad header
        log.warning("reminder %s: email failed: %s", reminder_id, exc)
        _failed(reminder_id, token, now, f"{type(exc).__name__}: {exc}", "email failed")
        return True  # the bell has it
    _ours(reminder_id, token).update(emailed_at=now, sent_at=now, claimed_at=None, last_error="")
    return True


def _failed(
    reminder_id: int, token: datetime.datetime, now: datetime.datetime, error: str, reason: str
) -> None:
    """Release the claim and try again later (backoff); after MAX_ATTEMPTS, call it off."""
    attempts = _ours(reminder_id, token).values_list("attempts", flat=True).first()
    if attempts is None:
        return  # no longer ours
    changes: dict[str, Any] = {"last_error": error[:300], "claimed_at": None}
    if attempts >= MAX_ATTEMPTS:
        changes["cancelled"] = reason
    else:
        changes["next_try_at"] = now + retry_delay(attempts)
    _ours(reminder_id, token).update(**changes)


def wants_email(user: User) -> bool:
    """Email reminders go to users with an address, when email is set up (KEHU_EMAIL_HOST)."""
    return bool(settings.EMAIL_HOST and user.email)


class Message:
    def __init__(self, text: str, url: str, body: str) -> None:
        self.text, self.url, self.body = text, url, body


def _user_zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _when(moment: datetime.datetime | None, zone: datetime.tzinfo) -> str:
    """The time (the day too, if not today) in `zone`; now's when there is no `moment`."""
    local = timezone.localtime(moment, zone)
    if local.date() == timezone.localtime(timezone.now(), zone).date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _url_of(activity: Activity) -> str:
    record = activity.record
    if record is not None and hasattr(record, "get_absolute_url"):
        url: str = record.get_absolute_url()
        return url
    try:
        return reverse("activity-detail", args=[activity.pk])
    except NoReverseMatch:
        return ""


def reminder_message(reminder: Reminder) -> Message:
    """What the reminder says, in the user's language and time zone."""
    activity, user = reminder.activity, reminder.user
    zone = _user_zone(user)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = activity.subject or str(activity)
        when = _when(activity.starts_or_due(), zone)
        if activity.kind == Activity.Kind.MEETING:
            text = _("Meeting “%(subject)s” starts at %(time)s") % {
                "subject": subject,
                "time": when,
            }
        else:
            text = _("Task “%(subject)s” is due at %(time)s") % {"subject": subject, "time": when}
        url = _url_of(activity)
        lines = [text, ""]
        record = activity.record
        if record is not None:
            lines.append(_("About: %(record)s") % {"record": record})
        if activity.kind == Activity.Kind.MEETING and activity.place:
            lines.append(_("Place: %(place)s") % {"place": activity.place})
        if activity.body:
            lines += ["", activity.body]
        if url:
            lines += ["", settings.PUBLIC_URL.rstrip("/") + url]
        lines += ["", _("You get this because a reminder was set in Kehu.")]
    return Message(text[:300], url, "\n".join(lines))


def stable_message_id(kind: str, pk: int) -> str:
    """A Message-ID that is the same for every try of one email (`kind` and the id of the
    row it is sent for), so mail servers and clients see a repeated email as one."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "kehu.localhost"
    return f"<kehu-{kind}-{pk}@{domain}>"


def message_id(reminder: Reminder) -> str:
    """The same for every try of one reminder, so a repeated email is seen as one."""
    return stable_message_id("reminder", reminder.pk)


def send_email(reminder: Reminder, message: Message) -> None:
    email = EmailMessage(
        subject=" ".join(message.text.split()),
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.user.email],
        headers={"Message-ID": message_id(reminder), "Auto-Submitted": "auto-generated"},
    )
    email.send()
