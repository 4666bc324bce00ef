"""The review list: received mail that matched nobody waits here until someone files it on a
record, makes a new person from its sender, or ignores it. The one writer of those decisions."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities.models import Activity
from kehu.core import audit, events, visibility
from kehu.core.models import Record
from kehu.customers.models import Person
from kehu.mail.filing import activity_owner, file_on
from kehu.mail.models import EmailMessage


def review_queue(user: User) -> QuerySet[EmailMessage]:
    """The received messages waiting for review that `user` may handle.

    Reviewing means deciding which customer a message belongs to, and may create a person, so
    it is for users whose role may create customers. Which messages: those of mailboxes in
    the user's record scope (their own, their team's, or all), like records of an owner, and
    those with no mailbox owner (a shared mailbox) for anyone who may review: an email from
    someone unknown is no customer record yet, and a shared inbox is there to be shared.
    """
    queue = EmailMessage.objects.filter(status=EmailMessage.Status.REVIEW, activity__isnull=True)
    if not visibility.can(user, "customers", "create"):
        return queue.none()
    owners = visibility.owners_in_scope(user)
    if owners is None:
        return queue
    if isinstance(owners, int):
        return queue.filter(Q(owner_id=owners) | Q(owner__isnull=True))
    return queue.filter(Q(owner_id__in=owners) | Q(owner__isnull=True))


def review_message(user: User, pk: int) -> EmailMessage:
    """One message of the user's review list, with its attachments: PermissionDenied for a
    user who may not review, 404 for a message not in their list (the page and the API)."""
    visibility.require(user, "customers", "create")
    message = review_queue(user).prefetch_related("attachments").filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def person_to_link(actor: User, person_id: int | str | None) -> Person:
    """The person a message is to be filed on, if the actor can see them (one chosen by id
    in the page or the API); a ValidationError on `person` otherwise."""
    try:
        pk = int(person_id) if person_id is not None else 0
    except (TypeError, ValueError):
        pk = 0
    person = None
    if 0 < pk < 2**63:
        person = Person.objects.visible_to(actor).filter(pk=pk).first()
    if person is None:
        raise ValidationError({"person": [_("Choose a person you can see.")]})
    return person


def sender_as_person(message: EmailMessage) -> dict[str, str]:
    """What a new person made from a message's sender is called, unless the reviewer says
    otherwise: the sender's display name (else their address's local part) and address."""
    name = message.from_name or message.from_address.partition("@")[0]
    longest = Person._meta.get_field("name").max_length
    return {"name": name[:longest], "email": message.from_address}


def _reviewable(actor: User, message: EmailMessage) -> EmailMessage:
    """The message, locked, if `actor` may review it (404 otherwise, like any hidden record)."""
    visibility.require(actor, "customers", "create")
    current = review_queue(actor).select_for_update().filter(pk=message.pk).first()
    if current is None:
        raise Http404
    return current


def link_message(actor: User, message: EmailMessage, record: Record) -> Activity:
    """File a message from the review list on `record` (a person, company, lead or deal the
    actor may see); it leaves the list."""
    from kehu.activities.visibility import parent_models

    if not isinstance(record, tuple(parent_models())):
        raise ValidationError(
            {"record": [_("Emails are filed on people, companies, leads and deals.")]}
        )
    visibility.require_record(actor, record, "read")
    if getattr(record, "deleted_at", None):
        raise ValidationError({"record": [_("This record is in the recycle bin.")]})
    with transaction.atomic():
        current = _reviewable(actor, message)
        return file_on(current, record, activity_owner(actor, record), actor)


def create_person_from(
    actor: User, message: EmailMessage, data: dict[str, Any]
) -> tuple[Person, Activity]:
    """Make a new person (through the customers service, with its checks) from a message in
    the review list and file the message on them. Returns (person, activity)."""
    from kehu.customers import services as customer_services

    with transaction.atomic():
        current = _reviewable(actor, message)
        person = customer_services.create_person(actor, data)
        activity = file_on(current, person, activity_owner(actor, person), actor)
    return person, activity


def ignore_message(actor: User, message: EmailMessage) -> EmailMessage:
    """Take a message off the review list without filing it (it stays stored); who did is in
    its audit entry and the `email.ignored` event."""
    with transaction.atomic():
        current = _reviewable(actor, message)
        before = current.status
        current.status = EmailMessage.Status.IGNORED
        current.save(update_fields=["status"])
        changes = {"status": [before, current.status]}
        audit.record(actor, current, "update", changes)
        events.emit("email.ignored", actor=actor, message=current, changes=changes)
    return current
