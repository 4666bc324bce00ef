# mypy: disable-error-code="assignment"
"""Meeting invitations by email: when a meeting with attendees is planned, moved, renamed or
deleted, each attendee with an email address (people, and colleagues other than whoever made
the change) gets an invitation — METHOD:REQUEST, or METHOD:CANCEL on delete — as an `.ics`
attachment and as a text/calendar alternative part, so Outlook, Apple Mail, Gmail and
Thunderbird show their "add to calendar" buttons. The UID stays the same for the meeting's
life and SEQUENCE is its version, so the attendee's calendar updates the one event.

Each invitation to each recipient is an `InvitationDelivery` row, written as pending in the
transaction that changes the meeting; a task after the commit sends the pending ones and marks
each sent as soon as the mail server took it. A worker that dies mid-batch leaves the rest
pending (the reminder sweep picks them up); one the mail server refused waits and is tried
again (backoff), so nobody's invitation is lost and nobody gets one twice. Without email set
up (KEHU_EMAIL_HOST), nothing is recorded or queued; `invitations_enabled()` tells the meeting
page so. Customers (people) get the time, the place and the subject but not the meeting's
details or Kehu links: those are internal notes.
"""

import contextlib
import datetime
import logging
import smtplib
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kehu.activities.calendar import ical
from kehu.activities.models import Activity, InvitationDelivery
from kehu.activities.reminders import claimable, retry_delay, stable_message_id
from kehu.core import events

log = logging.getLogger(__name__)

REQUEST, CANCEL = "REQUEST", "CANCEL"
#: a change to any of these re-sends the invitation
INVITATION_FIELDS = {
    "subject", "at", "ends_at", "place", "body", "attendee_users", "attendee_people",
}  # fmt: skip
#: tries of one invitation before it is given up (status "failed")
MAX_ATTEMPTS = 5
#: invitations one run sends at most; the next sweep (a minute later) takes the rest
BATCH_SIZE = 100


def invitations_enabled() -> bool:
    """Whether invitations are emailed at all (email is set up)."""
    return bool(settings.EMAIL_HOST)


def recipients(activity: Activity, actor_id: int | None = None, removed: dict | None = None):
    """Who gets the invitation: the meeting's people with an email address, and its invited
    colleagues with one who may see the meeting's record, except `actor_id` (who made the
    change knows). A colleague who may not see the record has the meeting as busy time in
    their calendar, and no email of its subject, notes and link (decision 0014). People
    (customers) are emailed only for a change by someone whose role lets them send email
    (`mail_send.may_send`): a read-only user's meeting invites colleagues only.
    `removed` ({"users": [ids], "people": [ids]}): those taken off the meeting instead."""
    from kehu.accounts.models import User
    from kehu.customers.models import Person
    from kehu.mail.sending import may_send

    if removed is None:
        users, people = activity.attendee_users.all(), activity.attendee_people.all()
    else:
        users = User.objects.filter(pk__in=removed.get("users") or [])
        people = Person.objects.filter(pk__in=removed.get("people") or [])
    found = []
    seen = set()
    for user in users:
        email = (user.email or "").strip().lower()
        if (
            email
            and user.pk != actor_id
            and user.is_active
            and email not in seen
            and Activity.all_objects.visible_to(user).filter(pk=activity.pk).exists()
        ):
            seen.add(email)
            found.append(user)
    actor = User.objects.filter(pk=actor_id).select_related("role").first() if actor_id else None
    if actor is not None and not may_send(actor):
        people = []
    for person in people:
        email = (person.email or "").strip().lower()
        if email and email not in seen:
            seen.add(email)
            found.append(person)
    return found


def will_invite(activity: Activity, actor=None) -> bool:
    """Whether saving this meeting now would email invitations (for the meeting page)."""
    return (
        invitations_enabled()
        and activity.kind == Activity.Kind.MEETING
        and bool(recipients(activity, getattr(actor, "pk", None)))
    )


@events.subscribe("activity.created")
@events.subscribe("activity.updated")
@events.subscribe("activity.restored")
@events.subscribe("activity.deleted")
def invite_on_change(
    event, actor=None, activity=None, changes=None, previous_attendees=None, **payload
) -> None:
    """Queue the invitations for a meeting that was planned, changed or deleted, and the
    cancellations for those taken off it."""
    if activity is None or activity.kind != Activity.Kind.MEETING or not invitations_enabled():
        return
    if event == "activity.updated" and not (set(changes or {}) & INVITATION_FIELDS):
        return
    ends = activity.ends_at or activity.at
    if event != "activity.deleted" and ends < timezone.now():
        return  # a meeting logged after it happened: nobody needs an invitation
    actor_id = getattr(actor, "pk", None)
    pk = activity.pk
    planned = 0
    if previous_attendees:
        removed = {
            "users": sorted(
                set(previous_attendees["users"]) - {u.pk for u in activity.attendee_users.all()}
            ),
            "people": sorted(
                set(previous_attendees["people"]) - {p.pk for p in activity.attendee_people.all()}
            ),
        }
        if removed["users"] or removed["people"]:
            planned += plan(activity, CANCEL, actor_id, removed)
    method = CANCEL if event == "activity.deleted" else REQUEST
    planned += plan(activity, method, actor_id)
    if planned:  # one task sends them all, cancellations for those taken off included
        transaction.on_commit(
            lambda: send_invitations.enqueue(pk, method, actor_id, None, 1, None, True)
        )


def plan(activity: Activity, method: str, actor_id: int | None, removed: dict | None = None,
         only: set[str] | None = None) -> int:  # fmt: skip
    """Record the pending invitations (or cancellations) this version of the meeting calls
    for, in the caller's transaction; returns how many recipients there are. Idempotent: a
    delivery is unique per meeting, address, SEQUENCE and method."""
    from kehu.accounts.models import User

    rows = []
    for recipient in recipients(activity, actor_id, removed):
        address = recipient.email.strip().lower()
        if only is not None and address not in only:
            continue
        internal = isinstance(recipient, User)
        rows.append(
            InvitationDelivery(
                activity=activity,
                user=recipient if internal else None,
                person=None if internal else recipient,
                address=address[:254],
                method=method,
                sequence=activity.version,
                actor_id=actor_id,
            )
        )
    InvitationDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _zone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "zone", None) or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class Invitation(EmailMultiAlternatives):
    """An email whose text/calendar alternative part carries the iTIP method parameter
    (`text/calendar; method=REQUEST`), which mail programs look for."""

    def __init__(self, *args, method: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.method = method

    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        for part in msg.walk():
            if part.get_content_type() == "text/calendar" and not part.get_filename():
                part.set_param("method", self.method)
        return msg


def _calendar_bytes(activity: Activity, method: str, internal: bool) -> bytes:
    cal = ical.new_calendar(method=method)
    event = ical.meeting_event(activity, cancelled=method == CANCEL)
    if not internal:  # a customer gets no internal notes and no links into Kehu
        for name in ("description", "url", "class"):
            event.pop(name, None)
    cal.add_component(event)
    return cal.to_ical()


def build_invitation(activity: Activity, method: str, recipient, actor=None, *,
                     address: str = "", message_id: str = "") -> Invitation:  # fmt: skip
    """The email for one recipient (a colleague or a person), in their language and time zone
    (a person: the organiser's); to `address` when given (the one it was recorded for)."""
    from kehu.accounts.models import User

    internal = isinstance(recipient, User)
    reader = recipient if internal else (actor or activity.owner)
    language = getattr(reader, "language", "") or settings.LANGUAGE_CODE
    zone = _zone(reader)
    with translation.override(language), timezone.override(zone):
        start = timezone.localtime(activity.at)
        end = timezone.localtime(activity.ends_at or activity.at)
        when = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} ({zone.key})"
        if end.date() != start.date():
            when = f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} ({zone.key})"
        title = activity.subject or _("Meeting")
        if method == CANCEL:
            subject = _("Cancelled: %(title)s (%(when)s)")
        elif activity.version > 1:
            subject = _("Updated invitation: %(title)s (%(when)s)")
        else:
            subject = _("Invitation: %(title)s (%(when)s)")
        subject = " ".join((subject % {"title": title, "when": f"{start:%Y-%m-%d %H:%M}"}).split())
        lines = [
            _("This meeting is cancelled.")
            if method == CANCEL
            else _("You are invited to a meeting."),
            "",
            f"{_('What')}: {title}",
            f"{_('When')}: {when}",
        ]
        if activity.place:
            lines.append(f"{_('Where')}: {activity.place}")
        if activity.owner_id:
            lines.append(f"{_('Organiser')}: {activity.owner}")
        if internal:
            if activity.body:
                lines += ["", activity.body]
            lines += ["", ical.record_url(activity)]
        body = "\n".join(lines) + "\n"
        ics = _calendar_bytes(activity, method, internal)
    owner_email = getattr(activity.owner, "email", "") if activity.owner_id else ""
    to = (recipient.email or "").strip()
    if address and to.lower() != address.lower():
        to = address
    email = Invitation(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[owner_email] if owner_email else None,
        headers={"Message-ID": message_id} if message_id else None,
        method=method,
    )
    email.attach_alternative(ics.decode(), "text/calendar")
    email.attach("invite.ics" if method == REQUEST else "cancel.ics", ics, "application/ics")
    return email


@task()
def send_invitations(activity_id: int, method: str, actor_id: int | None,
                     only: list[str] | None = None, attempt: int = 1,
                     removed: dict | None = None, planned: bool = False) -> int:  # fmt: skip
    """Send the meeting's invitations (and cancellations) that are waiting; returns how many
    went out. Safe to run again (a worker restarted): only what is still pending is sent.

    `planned` is False for a task queued before deliveries were recorded (or a direct call):
    it records the deliveries for the meeting as it is now first, as that task would have
    sent them (`only`: those addresses; `removed`: the cancellations for those taken off)."""
    if not invitations_enabled():
        return 0
    if not planned:
        with transaction.atomic():
            activity = (
                Activity.all_objects.select_for_update()
                .filter(pk=activity_id, kind=Activity.Kind.MEETING)
                .first()
            )
            if activity is None:
                return 0
            if method == CANCEL or activity.deleted_at is None:
                plan(activity, method, actor_id, removed, set(only) if only is not None else None)
    return send_pending(activity_id)


def send_waiting_invitations(now: datetime.datetime | None = None) -> int:
    """The retry: send every invitation whose next try is due — refused by the mail server
    earlier, or left behind by a worker that died (its claim expired). The reminder sweep
    calls it once a minute."""
    if not invitations_enabled():
        return 0
    return send_pending(None, now)


def _due(now: datetime.datetime):
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


def _ours(pk: int, token: datetime.datetime):
    return InvitationDelivery.objects.filter(pk=pk, claimed_at=token)


def _failed(pk: int, token: datetime.datetime, now: datetime.datetime, error: str) -> None:
    """Release the claim and try again later (backoff); after MAX_ATTEMPTS, give it up."""
    attempts = _ours(pk, token).values_list("attempts", flat=True).first()
    if attempts is None:
        return  # no longer ours
    changes = {"last_error": error, "claimed_at": None}
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
    if delivery.user_id and not _may_receive(recipient, activity):
        return "may not see the meeting"
    return ""


def _may_receive(user, activity: Activity) -> bool:
    return user.is_active and Activity.all_objects.visible_to(user).filter(pk=activity.pk).exists()


def _deliver(pk: int, token: datetime.datetime, connection) -> bool:
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
    email = build_invitation(
        activity,
        delivery.method,
        delivery.recipient,
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
