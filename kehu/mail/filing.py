"""Filing a message on a record: the email activity that puts it on the record's timeline,
owned by someone who may see that record."""

from kehu.accounts.models import User
from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.activities.services import company_of
from kehu.core import audit, events
from kehu.core.models import Record
from kehu.mail.matching import may_see
from kehu.mail.models import EmailMessage


def activity_owner(preferred: User | None, record: Record) -> User:
    """Who the email activity belongs to: the user whose mail it is, if they may see the
    record; otherwise the record's owner (so nobody gets to see an email on a record hidden
    from them)."""
    if preferred is not None and preferred.is_active and may_see(preferred, record):
        return preferred
    return record.owner


def file_on(
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
