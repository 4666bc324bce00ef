"""Meeting invitations by email: when a meeting with attendees is planned, moved, renamed or
deleted, each attendee with an email address (people, and colleagues other than whoever made
the change) gets an invitation — METHOD:REQUEST, or METHOD:CANCEL on delete (the email:
`emails.py`).

Each invitation to each recipient is an `InvitationDelivery` row, written as pending in the
transaction that changes the meeting (`plan`); a task after the commit sends the pending ones
(`deliveries.py`), and the reminder sweep sends those left behind or refused. Without email
set up (KEHU_EMAIL_HOST), nothing is recorded or queued; `invitations_enabled()` tells the
meeting page so.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from kehu.accounts.models import User
from kehu.activities.invitations.deliveries import MAX_ATTEMPTS as MAX_ATTEMPTS
from kehu.activities.invitations.deliveries import send_pending
from kehu.activities.invitations.emails import CANCEL, REQUEST
from kehu.activities.invitations.emails import Invitation as Invitation
from kehu.activities.invitations.emails import build_invitation as build_invitation
from kehu.activities.kinds import Attendees
from kehu.activities.models import Activity, InvitationDelivery
from kehu.core import events
from kehu.customers.models import Person

#: a change to any of these re-sends the invitation
INVITATION_FIELDS = {
    "subject", "at", "ends_at", "place", "body", "attendee_users", "attendee_people",
}  # fmt: skip


def invitations_enabled() -> bool:
    """Whether invitations are emailed at all (email is set up)."""
    return bool(settings.EMAIL_HOST)


def recipients(
    activity: Activity, actor_id: int | None = None, removed: Attendees | None = None
) -> list[User | Person]:
    """Who gets the invitation: the meeting's people with an email address, and its invited
    colleagues with one who may see the meeting's record, except `actor_id` (who made the
    change knows). A colleague who may not see the record has the meeting as busy time in
    their calendar, and no email of its subject, notes and link (decision 0014). People
    (customers) are emailed only for a change by someone whose role lets them send email
    (`mail_send.may_send`): a read-only user's meeting invites colleagues only.
    `removed` ({"users": [ids], "people": [ids]}): those taken off the meeting instead."""
    from kehu.mail.sending import may_send

    users: Iterable[User]
    people: Iterable[Person]
    if removed is None:
        users, people = activity.attendee_users.all(), activity.attendee_people.all()
    else:
        users = User.objects.filter(pk__in=removed.get("users") or [])
        people = Person.objects.filter(pk__in=removed.get("people") or [])
    found: list[User | Person] = []
    seen: set[str] = set()
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


def will_invite(activity: Activity, actor: User | None = None) -> bool:
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
    event: str,
    actor: User | None = None,
    activity: Activity | None = None,
    changes: dict[str, Any] | None = None,
    previous_attendees: Attendees | None = None,
    **payload: Any,
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
        removed: Attendees = {
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


def plan(activity: Activity, method: str, actor_id: int | None,
         removed: Attendees | None = None, only: set[str] | None = None) -> int:  # fmt: skip
    """Record the pending invitations (or cancellations) this version of the meeting calls
    for, in the caller's transaction; returns how many recipients there are. Idempotent: a
    delivery is unique per meeting, address, SEQUENCE and method."""
    rows = []
    for recipient in recipients(activity, actor_id, removed):
        address = recipient.email.strip().lower()
        if only is not None and address not in only:
            continue
        rows.append(
            InvitationDelivery(
                activity=activity,
                user=recipient if isinstance(recipient, User) else None,
                person=recipient if isinstance(recipient, Person) else None,
                address=address[:254],
                method=method,
                sequence=activity.version,
                actor_id=actor_id,
            )
        )
    InvitationDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@task()
def send_invitations(activity_id: int, method: str, actor_id: int | None,
                     only: list[str] | None = None, attempt: int = 1,
                     removed: Attendees | None = None, planned: bool = False) -> int:  # fmt: skip
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
