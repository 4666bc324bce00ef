"""Taking a received email into Kehu: from the IMAP mailbox (`kehu.mail.imap`) or an
uploaded `.eml` file. The one writer of received `EmailMessage` rows.

A message is stored once (by Message-ID, so reading a mailbox twice creates nothing new),
byte for byte (`EmailMessage.raw`), with its attachments. It is matched to a person by address
— the sender's, or for mail a Kehu user sent from their own mail client the first recipient
Kehu knows — or to the person its conversation is filed on (`kehu.mail.matching`, which says
how it reads records without a request user). A matched message becomes an email activity on
that person's timeline (`kehu.mail.filing`); any other waits in the review list
(`kehu.mail.review.services`), where someone links it, makes a new person from it, or ignores
it. Nothing is created silently.
"""

import hashlib
import logging
import uuid
from contextlib import nullcontext
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities.invitations import replies as invitation_replies
from kehu.core.models import Record
from kehu.mail import parsing as mail_parse
from kehu.mail.filing import activity_owner, file_on
from kehu.mail.matching import (
    live_record,
    may_see,
    person_with_address,
    thread_activity,
    thread_of,
    user_with_address,
)
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
    sender_user = user_with_address(parsed.from_address)
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
    thread_key, earlier = thread_of(parsed)

    record: Record | None = None
    if outgoing:
        for address in [*parsed.to, *parsed.cc]:
            if user_with_address(address) is None:
                record = person_with_address(address, sender_user, only_visible=uploaded)
                if record is not None:
                    break
    else:
        record = person_with_address(parsed.from_address, mailbox_owner, only_visible=uploaded)
    conversation = thread_activity(earlier)
    if record is None:
        record = live_record(conversation)
        if uploaded and record is not None and not may_see(owner, record):
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
    owner_of_activity, private = activity_owner(preferred, record), False
    if conversation is not None and conversation.private and conversation.owner_id:
        # a private conversation stays private: the reply is its owner's alone, like the rest
        owner_of_activity, private = conversation.owner, True
    file_on(message, record, owner_of_activity, owner if uploaded else None, private)
    return Received(MATCHED, message, record)
