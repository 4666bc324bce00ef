"""Answers to meeting invitations: an attendee's calendar replies to the organiser with an
iTIP REPLY (RFC 5546) — a `text/calendar; method=REPLY` part whose VEVENT has the meeting's
UID and the attendee's PARTSTAT (ACCEPTED, DECLINED, TENTATIVE). Received mail passes through
`take_replies`; the answer is kept on the invitation it answers (`InvitationDelivery`), the
meeting page shows it and the organiser is told (the bell).

Only the attendee's own answer counts: the ATTENDEE must be an address Kehu sent this meeting's
invitation to, still on the meeting, and the address the email comes from. Anything else — a
broken calendar part, an unknown or foreign UID, a deleted meeting, someone answering for
somebody else — is ignored (and logged); the email itself is handled like any other.
"""

import datetime
import email
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message
from typing import TYPE_CHECKING, Any, cast

import icalendar
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities.calendar import ical
from kehu.activities.models import Activity, InvitationDelivery
from kehu.activities.notifications.services import notify

if TYPE_CHECKING:
    from kehu.mail.models import EmailMessage

log = logging.getLogger(__name__)

#: PARTSTAT → the answer kept; any other (NEEDS-ACTION, DELEGATED) is no answer
ANSWERS = {
    "ACCEPTED": InvitationDelivery.Response.ACCEPTED,
    "DECLINED": InvitationDelivery.Response.DECLINED,
    "TENTATIVE": InvitationDelivery.Response.TENTATIVE,
}
CALENDAR_TYPES = {"text/calendar", "application/ics", "text/x-vcalendar"}
#: a reply is a few hundred bytes; bigger calendar parts are not read
MAX_CALENDAR_BYTES = 256 * 1024
#: calendar parts and events looked at in one message
MAX_PARTS, MAX_EVENTS = 5, 20
#: how deep in the MIME tree a calendar part is looked for (replies use two or three levels)
MAX_DEPTH = 8
UID = re.compile(r"^activity-(\d{1,18})@(.+)$", re.IGNORECASE)
#: a message without any of these has no calendar part: it is not read a second time
MAY_HOLD_CALENDAR = re.compile(rb"(?i)text/calendar|application/ics|text/x-vcalendar|\.ics\b")


class IgnoredReply(Exception):
    """The reply does not count (the reason is the message)."""


@dataclass(frozen=True)
class Reply:
    uid: str
    #: the ATTENDEE's address, lower-cased
    attendee: str
    #: an InvitationDelivery.Response value
    answer: str
    #: the SEQUENCE answered; None when the reply has none
    sequence: int | None


# ---------------------------------------------------------------- reading


def _calendar_parts(msg: Message) -> Iterator[Message]:
    """The calendar parts of a message, without descending into attached messages."""
    stack = [(msg, 0)]
    found = 0
    while stack and found < MAX_PARTS:
        part, depth = stack.pop()
        if part.get_content_maintype() == "multipart":
            payload = part.get_payload()
            if isinstance(payload, list) and depth < MAX_DEPTH:
                parts = cast(list[Message], payload)  # a multipart's payload is its parts
                stack.extend((sub, depth + 1) for sub in reversed(parts))
            continue
        filename = ""
        try:
            filename = (part.get_filename() or "").lower()
        except Exception:  # noqa: BLE001  (a malformed file name parameter)
            filename = ""
        if part.get_content_type() in CALENDAR_TYPES or filename.endswith(".ics"):
            found += 1
            yield part


def _address(value: object) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    text = text.strip().strip("<>").lower()
    return text if "@" in text and len(text) <= 254 and not any(c.isspace() for c in text) else ""


def _sequence(event: icalendar.Component) -> int | None:
    value = event.get("sequence")
    if value is None:
        return None
    try:
        return max(int(str(value).strip()), 0)
    except ValueError:
        return None


def replies_in(raw: bytes) -> list[Reply]:
    """The iTIP replies a message carries: for each VEVENT of a METHOD:REPLY calendar, its
    UID, each ATTENDEE and their answer. A part that cannot be read is skipped."""
    if not MAY_HOLD_CALENDAR.search(raw):
        return []
    try:
        msg = email.message_from_bytes(raw, policy=policy.compat32)
    except Exception:  # noqa: BLE001  (not a message we can read: no replies in it)
        return []
    found: dict[tuple[str, str], Reply] = {}
    for part in _calendar_parts(msg):
        try:
            data = part.get_payload(decode=True) or b""
            # a non-multipart part decodes to bytes (typeshed allows a Message too)
            if not isinstance(data, bytes) or not data or len(data) > MAX_CALENDAR_BYTES:
                continue
            calendar = icalendar.Calendar.from_ical(data)
            if str(calendar.get("method", "")).strip().upper() != "REPLY":
                continue
            events = calendar.walk("VEVENT")[:MAX_EVENTS]
        except Exception as exc:  # noqa: BLE001  (malformed calendar data: not a reply)
            log.info("unreadable calendar part in a received email: %s", type(exc).__name__)
            continue
        for event in events:
            uid = str(event.get("uid", "")).strip()
            attendees = event.get("attendee")
            if not uid or attendees is None:
                continue
            for attendee in attendees if isinstance(attendees, list) else [attendees]:
                address = _address(attendee)
                params = getattr(attendee, "params", {}) or {}
                answer = ANSWERS.get(str(params.get("PARTSTAT", "")).strip().upper())
                if address and answer:
                    found[(uid, address)] = Reply(uid[:300], address, answer, _sequence(event))
    return list(found.values())


# ---------------------------------------------------------------- recording


def _meeting(uid: str) -> Activity:
    matched = UID.match(uid)
    if matched is None or matched.group(2).lower() != ical.host().lower():
        raise IgnoredReply("not a Kehu meeting")
    activity = (
        Activity.all_objects.select_related("owner")
        .filter(pk=int(matched.group(1)), kind=Activity.Kind.MEETING)
        .first()
    )
    if activity is None:
        raise IgnoredReply("unknown meeting")
    if activity.deleted_at is not None:
        raise IgnoredReply("meeting deleted")
    return activity


def _still_attending(delivery: InvitationDelivery, activity: Activity) -> bool:
    if delivery.user_id:
        return activity.attendee_users.filter(pk=delivery.user_id).exists()
    if delivery.person_id:
        return activity.attendee_people.filter(pk=delivery.person_id).exists()
    return False


def _current_answer(activity: Activity, address: str) -> InvitationDelivery | None:
    """The answer that stands: the one to the latest invitation answered, the latest of those."""
    return (
        InvitationDelivery.objects.filter(
            activity=activity, address=address, method=InvitationDelivery.Method.REQUEST
        )
        .exclude(response="")
        .order_by("-sequence", "-responded_at", "-id")
        .first()
    )


def record_reply(
    reply: Reply,
    from_address: str,
    message: "EmailMessage | None" = None,
    uploader: User | None = None,
) -> InvitationDelivery:
    """Keep an attendee's answer on the invitation it answers and tell the organiser when
    it changes what stands. Raises IgnoredReply when it does not count: the ATTENDEE must be
    the sender (`from_address`), have been sent this meeting's invitation and still be on
    it; an uploaded email (`uploader`) counts only for a meeting the uploader may see."""
    if reply.attendee != (from_address or "").strip().lower():
        raise IgnoredReply("the attendee is not the sender")
    activity = _meeting(reply.uid)
    if uploader is not None and not (
        Activity.objects.visible_to(uploader).filter(pk=activity.pk).exists()
    ):
        raise IgnoredReply("the uploader may not see the meeting")
    deliveries = InvitationDelivery.objects.filter(activity=activity, address=reply.attendee)
    latest = deliveries.order_by("-sequence", "method").first()  # CANCEL sorts first
    if latest is None:
        raise IgnoredReply("not invited")
    if latest.method == InvitationDelivery.Method.CANCEL:
        raise IgnoredReply("taken off the meeting")
    answered = deliveries.filter(
        method=InvitationDelivery.Method.REQUEST, status=InvitationDelivery.Status.SENT
    )
    answered = answered.select_related("user", "person").order_by("-sequence")
    delivery = None
    if reply.sequence is not None:
        delivery = answered.filter(sequence__lte=reply.sequence).first()
    if delivery is None:  # no SEQUENCE, or one lower than any Kehu sent (a client's slip)
        delivery = answered.first()
    if delivery is None:
        raise IgnoredReply("not invited")
    if not _still_attending(delivery, activity):
        raise IgnoredReply("taken off the meeting")
    before = _current_answer(activity, reply.attendee)
    delivery.response = reply.answer
    delivery.responded_at = timezone.now()
    delivery.reply = message if getattr(message, "pk", None) else None
    delivery.save(update_fields=["response", "responded_at", "reply"])
    after = _current_answer(activity, reply.attendee)
    changed = after is not None and after.pk == delivery.pk
    if changed and not (before is not None and before.response == delivery.response):
        _tell_organiser(activity, delivery)
    return delivery


def _attendee_name(delivery: InvitationDelivery, viewer: User | None) -> str:
    """The attendee as the organiser knows them (a person they may not see: the address)."""
    from kehu.core import visibility

    if delivery.user is not None:
        return str(delivery.user)
    person = delivery.person
    if (
        person is not None
        and viewer is not None
        and visibility.can(viewer, person.module, "read")
        and visibility.in_scope(viewer, person)
    ):
        return person.name
    return delivery.address


def _tell_organiser(activity: Activity, delivery: InvitationDelivery) -> None:
    owner = activity.owner
    if owner is None:
        return
    with translation.override(owner.language or None):
        values = {
            "name": _attendee_name(delivery, owner),
            "meeting": activity.subject or _("Meeting"),
        }
        if delivery.response == InvitationDelivery.Response.ACCEPTED:
            text = _("%(name)s accepted “%(meeting)s”") % values
        elif delivery.response == InvitationDelivery.Response.DECLINED:
            text = _("%(name)s declined “%(meeting)s”") % values
        else:
            text = _("%(name)s might attend “%(meeting)s” (tentative)") % values
    notify(owner, "invitation_reply", text, activity.get_absolute_url())


def take_replies(
    raw: bytes, message: "EmailMessage", uploader: User | None = None
) -> list[InvitationDelivery]:
    """Record the invitation answers a received email carries (see the module's rules).
    Called by the mail intake inside its transaction; never raises, so whatever the answers
    hold, the email is still stored and filed as any other."""
    try:
        replies = replies_in(bytes(raw))
    except Exception:  # noqa: BLE001  (a reader bug must not stop the mailbox)
        log.exception("could not look for invitation replies in email %s", message.pk)
        return []
    recorded = []
    for reply in replies:
        try:
            with transaction.atomic():  # a savepoint: a failure leaves the email's writes alone
                recorded.append(record_reply(reply, message.from_address, message, uploader))
        except IgnoredReply as ignored:
            log.info("invitation reply for %s from %s ignored: %s", reply.uid,
                     message.from_address, ignored)  # fmt: skip
        except Exception:  # noqa: BLE001
            log.exception("invitation reply for %s could not be recorded", reply.uid)
    return recorded


# ---------------------------------------------------------------- showing


@dataclass(frozen=True)
class Answer:
    #: accepted, declined, tentative, or "none"
    code: str
    label: str
    #: the answer was to an earlier version of the meeting than the last one they were sent
    earlier: bool = False


def annotate_answers(activity: Activity, users: Iterable[Any], people: Iterable[Any]) -> None:
    """Give each attendee Kehu emailed this meeting's invitation to an `invitation_answer`
    (the meeting page shows it); those it did not email (no address, the organiser) get
    None. `users` and `people` are the attendees the page lists (User and Person rows)."""
    rows = InvitationDelivery.objects.filter(
        activity=activity, method=InvitationDelivery.Method.REQUEST
    ).exclude(status=InvitationDelivery.Status.SKIPPED)
    invited: dict[tuple[str, int], int] = {}
    answers: dict[tuple[str, int], tuple[tuple[int, datetime.datetime], str]] = {}
    for user_id, person_id, sequence, status, response, responded_at in rows.values_list(
        "user_id", "person_id", "sequence", "status", "response", "responded_at"
    ):
        key = ("user", user_id) if user_id else ("person", person_id)
        if key[1] is None:
            continue
        if status != InvitationDelivery.Status.FAILED:
            invited[key] = max(invited.get(key, 0), sequence)
        if response:
            moment = (sequence, responded_at or timezone.now())
            if key not in answers or moment > answers[key][0]:
                answers[key] = (moment, response)
    labels = dict(InvitationDelivery.Response.choices)
    for kind, attendees in (("user", users), ("person", people)):
        for attendee in attendees:
            key = (kind, attendee.pk)
            answer = None
            if key in answers:
                (sequence, _when), response = answers[key]
                earlier = sequence < invited.get(key, sequence)
                answer = Answer(response, str(labels[response]), earlier)
            elif key in invited:
                answer = Answer("none", str(labels[""]))
            attendee.invitation_answer = answer
