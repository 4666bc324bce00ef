"""Meetings and tasks as iCalendar (RFC 5545), for the personal feed and for invitations.

Every activity keeps one UID for life (`activity-<id>@<host of KEHU_PUBLIC_URL>`) and its
`version` as SEQUENCE, so a calendar that already has it updates the event in place.
"""

import datetime
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.activities.models import Activity

PRODID = "-//Kehu//Kehu CRM//EN"


def host() -> str:
    return urlsplit(settings.PUBLIC_URL).hostname or "kehu.invalid"


def uid(activity: Activity) -> str:
    return f"activity-{activity.pk}@{host()}"


def record_url(activity: Activity) -> str:
    """The activity's page in Kehu (it names and links the person, company, lead or deal)."""
    from django.urls import reverse

    return f"{settings.PUBLIC_URL.rstrip('/')}{reverse('activity-detail', args=[activity.pk])}"


def new_calendar(method: str | None = None, name: str = "") -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _address(user_or_person, role: bool = True):
    email = (getattr(user_or_person, "email", "") or "").strip()
    if not email:
        return None
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["cn"] = icalendar.vText(str(user_or_person))
    if role:
        address.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        address.params["partstat"] = icalendar.vText("NEEDS-ACTION")
        address.params["rsvp"] = icalendar.vText("FALSE")
    return address


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def meeting_event(
    activity: Activity, *, cancelled: bool = False, visible_people: set | None = None
) -> icalendar.Event:
    """A VEVENT for a meeting: times in UTC, the organiser (its owner) and the attendees who
    have an email address (for a feed: only the people in `visible_people`, those its reader
    may see), and a link back to the record it is logged on."""
    event = icalendar.Event()
    event.add("uid", uid(activity))
    event.add("dtstamp", _utc(timezone.now()))
    event.add("dtstart", _utc(activity.at))
    event.add("dtend", _utc(activity.ends_at or activity.at + datetime.timedelta(hours=1)))
    event.add("sequence", activity.version)
    event.add("summary", activity.subject or _("Meeting"))
    if activity.place:
        event.add("location", activity.place)
    url = record_url(activity)
    description = activity.body
    if url:
        event.add("url", url)
        description = f"{description}\n\n{url}".strip()
    if description:
        event.add("description", description)
    event.add("created", _utc(activity.created_at))
    event.add("last-modified", _utc(activity.updated_at or activity.created_at))
    organizer = _address(activity.owner, role=False) if activity.owner_id else None
    if organizer is not None:
        event.add("organizer", organizer)
    people = list(activity.attendee_people.all())
    if visible_people is not None:
        people = [p for p in people if p.pk in visible_people]
    for attendee in [*activity.attendee_users.all(), *people]:
        address = _address(attendee)
        if address is not None:
            event.add("attendee", address)
    if activity.private:
        event.add("class", "PRIVATE")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def busy_event(activity: Activity) -> icalendar.Event:
    """A meeting the user is invited to on a record they may not see: its time and organiser
    only, like a free/busy slot."""
    event = icalendar.Event()
    event.add("uid", uid(activity))
    event.add("dtstamp", _utc(timezone.now()))
    event.add("dtstart", _utc(activity.at))
    event.add("dtend", _utc(activity.ends_at or activity.at + datetime.timedelta(hours=1)))
    event.add("sequence", activity.version)
    event.add("summary", _("Busy (meeting organised by %(user)s)") % {"user": activity.owner})
    event.add("class", "CONFIDENTIAL")
    event.add("transp", "OPAQUE")
    return event


def task_event(activity: Activity) -> icalendar.Event:
    """An open task as an all-day VEVENT on its due day (in the owner's time zone), marked
    free (TRANSP:TRANSPARENT) so it never blocks a meeting slot.

    Why not a VTODO: Outlook and Google Calendar ignore VTODO in subscribed calendars, and
    Apple Calendar does not show them (Reminders cannot subscribe to a URL); only Thunderbird
    lists them. An all-day event shows everywhere; its summary carries the due time."""
    due = timezone.localtime(activity.due_at)
    event = icalendar.Event()
    event.add("uid", uid(activity))
    event.add("dtstamp", _utc(timezone.now()))
    event.add("dtstart", due.date())
    event.add("dtend", due.date() + datetime.timedelta(days=1))
    event.add("sequence", activity.version)
    event.add(
        "summary",
        _("Task: %(subject)s (due %(time)s)")
        % {"subject": activity.subject, "time": due.strftime("%H:%M")},
    )
    url = record_url(activity)
    description = activity.body
    if url:
        event.add("url", url)
        description = f"{description}\n\n{url}".strip()
    if description:
        event.add("description", description)
    event.add("last-modified", _utc(activity.updated_at or activity.created_at))
    event.add("categories", [_("Task")])
    if activity.private:
        event.add("class", "PRIVATE")
    event.add("transp", "TRANSPARENT")
    return event
