"""Taking a received email into Kehu: from the IMAP mailbox (`kehu.mail.imap`) or an
uploaded `.eml` file. The one writer of received `EmailMessage` rows.

A message is stored once (by Message-ID, so reading a mailbox twice creates nothing new),
byte for byte (`EmailMessage.raw`), with its attachments. It is matched to a person by address
— the sender's, or for mail a Kehu user sent from their own mail client the first recipient
Kehu knows — or to the person its conversation is filed on. A matched message becomes an
email activity on that person's timeline; any other waits in the review list, where someone
links it, makes a new person from it, or ignores it. Nothing is created silently.

Reads: intake is a system path with no request user (an IMAP sweep files mail of every
mailbox), so it finds the person with an address, and the activity of an earlier message,
among all live records (`Person.objects`, not `visible_to`): a message belongs to the customer
who wrote it, whoever may see them. Everything a user is then given goes through the read door
(`visible_to`): a mailbox owner's own match first, an upload only on records its uploader sees,
and the filed activity is owned by a user who sees its record (`_activity_owner`).
"""

import hashlib
import logging
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities.invitations import replies as invitation_replies
from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.activities.services import company_of
from kehu.core import audit, events, visibility
from kehu.core.models import Record
from kehu.customers.models import Person
from kehu.mail import parsing as mail_parse
from kehu.mail.models import EmailAttachment, EmailMessage

log = logging.getLogger(__name__)

MATCHED, REVIEW, DUPLICATE = "matched", "review", "duplicate"
SOURCES = ("imap", "upload")


class UnreadableEmail(ValueError):
    """The bytes are not an email message at all (empty, binary, no mail headers)."""


@dataclass
class Received:
    #: MATCHED (on a timeline), REVIEW (waits in the review list) or DUPLICATE (stored before)
    outcome: str
    message: EmailMessage
    #: the record the message was filed on, when matched
    record: object | None = None


# ---------------------------------------------------------------- matching


def _address_variants(address: str) -> list[str]:
    """The spellings a stored address may have (the service keeps the local part as typed
    and lower-cases the domain), so the lookup can use the email index."""
    local, _at, domain = address.rpartition("@")
    return list(dict.fromkeys([address, f"{local}@{domain.lower()}", address.lower()]))


def _user_with_address(address: str) -> User | None:
    if not address:
        return None
    return (
        User.objects.filter(is_active=True, email__in=_address_variants(address))
        .order_by("id")
        .first()
    )


def _person_with_address(
    address: str, mailbox_owner: User | None = None, only_visible: bool = False
) -> Person | None:
    """The live person with this address; among several, one the mailbox owner may see, then
    the oldest (`only_visible`: only one the mailbox owner may see)."""
    if not address:
        return None
    found = list(
        Person.objects.filter(email__in=_address_variants(address))
        .select_related("owner")
        .order_by("id")[:20]
    )
    if mailbox_owner is not None and found:
        seen = set(
            Person.objects.visible_to(mailbox_owner)
            .filter(pk__in=[person.pk for person in found])
            .values_list("pk", flat=True)
        )
        for person in found:
            if person.pk in seen:
                return person
    if only_visible:
        return None
    return found[0] if found else None


def _may_see(user: User | None, record: Record) -> bool:
    """Whether `user` sees `record` (a live person, company, lead or deal): the read door."""
    return user is not None and type(record).objects.visible_to(user).filter(pk=record.pk).exists()


def _thread_of(parsed: mail_parse.ParsedMessage) -> tuple[str, EmailMessage | None]:
    """(thread key, the earlier message of the conversation Kehu has, if any)."""
    earlier_ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    if earlier_ids:
        found = {
            m.message_id: m
            for m in EmailMessage.objects.filter(message_id__in=earlier_ids).select_related(
                "activity"
            )
        }
        for message_id in earlier_ids:  # the nearest one first
            if message_id in found:
                earlier = found[message_id]
                return earlier.thread_key or earlier.message_id, earlier
    root = parsed.references[0] if parsed.references else parsed.in_reply_to
    return (root or parsed.message_id)[:255], None


def _thread_activity(earlier: EmailMessage | None) -> Activity | None:
    """The activity of the earlier message of the conversation (if it is still there)."""
    if earlier is None or earlier.activity_id is None:
        return None
    return Activity.objects.filter(pk=earlier.activity_id).first()


def _live_record(activity: Activity | None) -> Record | None:
    record: Record | None = activity.record if activity is not None else None
    if record is None or getattr(record, "deleted_at", None):
        return None
    return record


# ---------------------------------------------------------------- filing on a record


def _activity_owner(preferred: User | None, record: Record) -> User:
    """Who the email activity belongs to: the user whose mail it is, if they may see the
    record; otherwise the record's owner (so nobody gets to see an email on a record hidden
    from them)."""
    if preferred is not None and preferred.is_active and _may_see(preferred, record):
        return preferred
    return record.owner


def _file_on(
    message: EmailMessage, record: Record, owner: User, actor: User | None, private: bool = False
) -> Activity:
    """Make the email activity for `message` on `record` (inside the caller's transaction)."""
    at = message.sent_at
    activity = Activity(
        kind=Activity.Kind.EMAIL,
        record=record,
        company_id=company_of(record),
        owner=owner,
        created_by=actor,
        subject=" ".join(message.subject.split())[:SUBJECT_MAX_LENGTH],
        body=message.text[:NOTE_MAX_LENGTH],
        at=at,
        direction=message.direction,
        private=private,
    )
    activity.save()
    audit.record(
        actor,
        activity,
        "create",
        {
            "subject": [None, activity.subject],
            "at": [None, audit.display_value(at)],
            "owner": [None, str(owner) if owner else None],
            "_record": f"{record._meta.model_name}:{record.pk}",
        },
    )
    message.activity = activity
    message.status = (
        EmailMessage.Status.SENT
        if message.direction == EmailMessage.Direction.OUTGOING
        else EmailMessage.Status.RECEIVED
    )
    message.save(update_fields=["activity", "status"])
    events.emit("activity.created", actor=actor, record=record, activity=activity)
    return activity


# ---------------------------------------------------------------- receiving


def _lock_message_id(message_id: str) -> None:
    """Serialise two readers storing the same message at once. SQLite's write transactions
    are serial already (BEGIN IMMEDIATE); PostgreSQL takes a transaction-level advisory lock."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _problems_text(parsed: mail_parse.ParsedMessage, raw_kept: bool) -> str:
    problems = list(parsed.problems)
    too_large = [a.filename for a in parsed.attachments if a.too_large]
    if too_large:
        problems.append(
            _("Attachments too large to keep: %(names)s.") % {"names": ", ".join(too_large)}
        )
    if not raw_kept:
        problems.append(_("The message is too large to keep a copy of it."))
    return " ".join(problems)[:500]


def receive(raw_bytes: bytes, *, owner: User | None = None, source: str = "imap") -> Received:
    """Store one received message (unless it is stored already) and file it on the person it
    belongs to, or put it in the review list. `owner` is the user whose mailbox it came from
    (the uploader of a file). Raises UnreadableEmail for bytes that are not an email."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    language = getattr(owner, "language", "") or None
    # what could not be read is written down in the mailbox owner's language
    with translation.override(language) if language else nullcontext():
        return _receive(raw_bytes, owner, source)


def _receive(raw_bytes: bytes, owner: User | None, source: str) -> Received:
    try:
        parsed = mail_parse.parse(raw_bytes)
    except ValueError as exc:
        raise UnreadableEmail(str(exc)) from None
    except Exception as exc:  # noqa: BLE001  (mail built to break readers: never fatal)
        log.warning("unreadable email: %s", exc.__class__.__name__)
        raise UnreadableEmail(_("This message could not be read.")) from None

    stored_files: list[FieldFile] = []
    try:
        with transaction.atomic():
            _lock_message_id(parsed.message_id)
            existing = EmailMessage.objects.filter(message_id=parsed.message_id).first()
            if existing is not None:
                return Received(DUPLICATE, existing, None)
            result = _store(parsed, bytes(raw_bytes), owner, source, stored_files)
            # an attendee's answer to a meeting invitation (iTIP REPLY); never raises
            invitation_replies.take_replies(
                raw_bytes, result.message, uploader=owner if source == "upload" else None
            )
    except BaseException:
        for file in stored_files:  # the rows were rolled back: so are their files
            try:
                assert file.name is not None  # saved, so named
                file.storage.delete(file.name)
            except Exception:  # noqa: BLE001
                log.warning("could not remove %s after a failed receive", file.name)
        raise
    return result


def _store(parsed: mail_parse.ParsedMessage, raw: bytes, owner: User | None, source: str,
           stored_files: list[FieldFile]) -> Received:  # fmt: skip
    sender_user = _user_with_address(parsed.from_address)
    uploaded = source == "upload"
    if uploaded and sender_user is not None and sender_user != owner:
        # an uploaded file is believed to be the uploader's own mail only: a From naming a
        # colleague does not make it that colleague's outgoing email
        sender_user = None
    if sender_user is not None and parsed.sender_forged:
        # the mailbox's server says the From is forged: not a colleague's own mail
        parsed.problems.append(
            _(
                "The receiving mail server found that this message does not really come from "
                "%(address)s (its sender checks failed), so it is not filed as that colleague's "
                "email."
            )
            % {"address": parsed.from_address}
        )
        sender_user = None
    outgoing = sender_user is not None
    mailbox_owner = owner if owner is not None and owner.is_active else None
    message_owner = sender_user if outgoing else mailbox_owner
    thread_key, earlier = _thread_of(parsed)

    record: Record | None = None
    if outgoing:
        for address in [*parsed.to, *parsed.cc]:
            if _user_with_address(address) is None:
                record = _person_with_address(address, sender_user, only_visible=uploaded)
                if record is not None:
                    break
    else:
        record = _person_with_address(parsed.from_address, mailbox_owner, only_visible=uploaded)
    thread_activity = _thread_activity(earlier)
    if record is None:
        record = _live_record(thread_activity)
        if uploaded and record is not None and not _may_see(owner, record):
            record = None  # an upload files only on records its uploader may see

    raw_kept = len(raw) <= mail_parse.max_message_bytes()
    message = EmailMessage(
        owner=message_owner,
        direction=EmailMessage.Direction.OUTGOING if outgoing else EmailMessage.Direction.INCOMING,
        status=EmailMessage.Status.REVIEW,
        error=_problems_text(parsed, raw_kept),
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        thread_key=thread_key,
        from_address=parsed.from_address[:254],
        from_name=parsed.from_name[:200],
        to=parsed.to,
        cc=parsed.cc,
        subject=parsed.subject[:500],
        text=parsed.text,
        html=parsed.html,
        sent_at=min(parsed.date, timezone.now()) if parsed.date else timezone.now(),
    )
    if raw_kept:
        message.raw.save(f"{uuid.uuid4().hex}.eml", ContentFile(raw), save=False)
        stored_files.append(message.raw)
    message.save()
    for item in parsed.attachments:
        attachment = EmailAttachment(
            message=message,
            filename=item.filename[:255],
            content_type=item.content_type[:100],
            size=item.size,
        )
        if item.content is not None:
            extension = item.filename.rpartition(".")[2][:10] if "." in item.filename else "bin"
            safe = "".join(c for c in extension if c.isascii() and c.isalnum()) or "bin"
            stored = f"{uuid.uuid4().hex}.{safe}"
            attachment.file.save(stored, ContentFile(item.content), save=False)
            stored_files.append(attachment.file)
        attachment.save()
    if record is None:
        return Received(REVIEW, message, None)
    preferred = sender_user if outgoing else mailbox_owner
    owner_of_activity, private = _activity_owner(preferred, record), False
    if thread_activity is not None and thread_activity.private and thread_activity.owner_id:
        # a private conversation stays private: the reply is its owner's alone, like the rest
        owner_of_activity, private = thread_activity.owner, True
    _file_on(message, record, owner_of_activity, owner if uploaded else None, private)
    return Received(MATCHED, message, record)


# ---------------------------------------------------------------- the review list


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
        return _file_on(current, record, _activity_owner(actor, record), actor)


def create_person_from(
    actor: User, message: EmailMessage, data: dict[str, Any]
) -> tuple[Person, Activity]:
    """Make a new person (through the customers service, with its checks) from a message in
    the review list and file the message on them. Returns (person, activity)."""
    from kehu.customers import services as customer_services

    with transaction.atomic():
        current = _reviewable(actor, message)
        person = customer_services.create_person(actor, data)
        activity = _file_on(current, person, _activity_owner(actor, person), actor)
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
