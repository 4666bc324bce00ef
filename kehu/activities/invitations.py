"""Meeting invitations by email: when a meeting with attendees is planned, moved, renamed or
deleted, each attendee with an email address (people, and colleagues other than whoever made
the change) gets an invitation — METHOD:REQUEST, or METHOD:CANCEL on delete — as an `.ics`
attachment and as a text/calendar alternative part, so Outlook, Apple Mail, Gmail and
Thunderbird show their "add to calendar" buttons. The UID stays the same for the meeting's
life and SEQUENCE is its version, so the attendee's calendar updates the one event.

Sending runs as a task after the commit. Without email set up (KEHU_EMAIL_HOST), nothing is
queued; `invitations_enabled()` tells the meeting page so. Customers (people) get the time, the
place and the subject but not the meeting's details or Kehu links: those are internal notes.
"""

import contextlib
import datetime
import logging
import smtplib
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kehu.activities import ical
from kehu.activities.models import Activity
from kehu.core import events

log = logging.getLogger(__name__)

REQUEST, CANCEL = "REQUEST", "CANCEL"
#: a change to any of these re-sends the invitation
INVITATION_FIELDS = {
    "subject", "at", "ends_at", "place", "body", "attendee_users", "attendee_people",
}  # fmt: skip
MAX_ATTEMPTS = 5
RETRY_AFTER = datetime.timedelta(minutes=5)


def invitations_enabled() -> bool:
    """Whether invitations are emailed at all (email is set up)."""
    return bool(settings.EMAIL_HOST)


def recipients(activity: Activity, actor_id: int | None = None, removed: dict | None = None):
    """Who gets the invitation: the meeting's people with an email address, and its invited
    colleagues with one who may see the meeting's record, except `actor_id` (who made the
    change knows). A colleague who may not see the record has the meeting as busy time in
    their calendar, and no email of its subject, notes and link (decision 0014).
    `removed` ({"users": [ids], "people": [ids]}): those taken off the meeting instead."""
    from kehu.accounts.models import User
    from kehu.customers.models import Person

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
            transaction.on_commit(
                lambda: send_invitations.enqueue(pk, CANCEL, actor_id, None, 1, removed)
            )
    if not recipients(activity, actor_id):
        return
    method = CANCEL if event == "activity.deleted" else REQUEST
    transaction.on_commit(lambda: send_invitations.enqueue(pk, method, actor_id))


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


def build_invitation(activity: Activity, method: str, recipient, actor=None) -> Invitation:
    """The email for one recipient (a colleague or a person), in their language and time zone
    (a person: the organiser's)."""
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
    email = Invitation(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email.strip()],
        reply_to=[owner_email] if owner_email else None,
        method=method,
    )
    email.attach_alternative(ics.decode(), "text/calendar")
    email.attach("invite.ics" if method == REQUEST else "cancel.ics", ics, "application/ics")
    return email


@task()
def send_invitations(activity_id: int, method: str, actor_id: int | None,
                     only: list[str] | None = None, attempt: int = 1,
                     removed: dict | None = None) -> int:  # fmt: skip
    """Email the meeting's invitation (or cancellation) to its attendees as it is now; returns
    how many went out. Addresses the mail server refused are tried again later (`only`), up
    to MAX_ATTEMPTS times, so nobody gets it twice."""
    from kehu.accounts.models import User

    if not invitations_enabled():
        return 0
    activity = (
        Activity.all_objects.select_related("owner")
        .prefetch_related("attendee_users", "attendee_people")
        .filter(pk=activity_id, kind=Activity.Kind.MEETING)
        .first()
    )
    if activity is None:
        return 0
    if method == REQUEST and activity.deleted_at is not None:
        return 0  # deleted since: its cancellation goes out instead
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    wanted = recipients(activity, actor_id, removed)
    if only is not None:
        wanted = [r for r in wanted if r.email.strip().lower() in set(only)]
    sent, failed = 0, []
    connection = get_connection()
    try:
        if wanted:
            try:
                connection.open()  # one SMTP session for all of them
            except (smtplib.SMTPException, OSError):
                log.warning("invitations for activity %s: no SMTP connection", activity_id)
        for recipient in wanted:
            email = build_invitation(activity, method, recipient, actor)
            email.connection = connection
            try:
                email.send()
                sent += 1
            except (smtplib.SMTPException, OSError, ValueError):
                log.warning("invitation for activity %s to %s failed", activity_id,
                            recipient.email, exc_info=True)  # fmt: skip
                failed.append(recipient.email.strip().lower())
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()
    if failed and attempt < MAX_ATTEMPTS and send_invitations.get_backend().supports_defer:
        send_invitations.using(run_after=timezone.now() + RETRY_AFTER * attempt).enqueue(
            activity_id, method, actor_id, failed, attempt + 1, removed
        )
    return sent
