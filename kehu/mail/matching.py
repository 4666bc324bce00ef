"""Whose a received message is: the colleague who sent it (mail they wrote from their own mail
client), the person it is from or to, or the person its conversation is filed on.

Reads: intake is a system path with no request user (an IMAP sweep files mail of every
mailbox), so it finds the person with an address, and the activity of an earlier message,
among all live records (`Person.objects`, not `visible_to`): a message belongs to the customer
who wrote it, whoever may see them. Everything a user is then given goes through the read door
(`visible_to`): a mailbox owner's own match first, an upload only on records its uploader sees,
and the filed activity is owned by a user who sees its record (`kehu.mail.filing`).
"""

from kehu.accounts.models import User
from kehu.activities.models import Activity
from kehu.core.models import Record
from kehu.customers.models import Person
from kehu.mail import parsing as mail_parse
from kehu.mail.models import EmailMessage


def address_variants(address: str) -> list[str]:
    """The spellings a stored address may have (the service keeps the local part as typed
    and lower-cases the domain), so the lookup can use the email index."""
    local, _at, domain = address.rpartition("@")
    return list(dict.fromkeys([address, f"{local}@{domain.lower()}", address.lower()]))


def user_with_address(address: str) -> User | None:
    if not address:
        return None
    return (
        User.objects.filter(is_active=True, email__in=address_variants(address))
        .order_by("id")
        .first()
    )


def person_with_address(
    address: str, mailbox_owner: User | None = None, only_visible: bool = False
) -> Person | None:
    """The live person with this address; among several, one the mailbox owner may see, then
    the oldest (`only_visible`: only one the mailbox owner may see)."""
    if not address:
        return None
    found = list(
        Person.objects.filter(email__in=address_variants(address))
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


def may_see(user: User | None, record: Record) -> bool:
    """Whether `user` sees `record` (a live person, company, lead or deal): the read door."""
    return user is not None and type(record).objects.visible_to(user).filter(pk=record.pk).exists()


def thread_of(parsed: mail_parse.ParsedMessage) -> tuple[str, EmailMessage | None]:
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


def thread_activity(earlier: EmailMessage | None) -> Activity | None:
    """The activity of the earlier message of the conversation (if it is still there)."""
    if earlier is None or earlier.activity_id is None:
        return None
    return Activity.objects.filter(pk=earlier.activity_id).first()


def live_record(activity: Activity | None) -> Record | None:
    record: Record | None = activity.record if activity is not None else None
    if record is None or getattr(record, "deleted_at", None):
        return None
    return record
