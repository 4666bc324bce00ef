"""The invitation email one attendee gets: METHOD:REQUEST, or METHOD:CANCEL when the meeting
is cancelled or they are taken off it, as an `.ics` attachment and as a text/calendar
alternative part, so Outlook, Apple Mail, Gmail and Thunderbird show their "add to calendar"
buttons. The UID stays the same for the meeting's life and SEQUENCE is its version, so the
attendee's calendar updates the one event. Customers (people) get the time, the place and the
subject but not the meeting's details or Kehu links: those are internal notes."""

import zoneinfo
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities.calendar import ical
from kehu.activities.models import Activity
from kehu.customers.models import Person

REQUEST, CANCEL = "REQUEST", "CANCEL"


def _zone(user: User | Person) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(getattr(user, "zone", None) or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class Invitation(EmailMultiAlternatives):
    """An email whose text/calendar alternative part carries the iTIP method parameter
    (`text/calendar; method=REQUEST`), which mail programs look for."""

    def __init__(self, *args: Any, method: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = method

    def message(self, *args: Any, **kwargs: Any) -> EmailMessage:
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
    ics: bytes = cal.to_ical()  # icalendar does not annotate it
    return ics


def build_invitation(activity: Activity, method: str, recipient: User | Person,
                     actor: User | None = None, *, address: str = "",
                     message_id: str = "") -> Invitation:  # fmt: skip
    """The email for one recipient (a colleague or a person), in their language and time zone
    (a person: the organiser's); to `address` when given (the one it was recorded for)."""

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
