"""Sending email to a person from Kehu.

`send_email` checks, validates and, in one transaction, logs the email on the person's
timeline (an `Activity` of kind "email") with its `EmailMessage` queued; after the commit a
task hands it to the SMTP server (the KEHU_EMAIL_* settings, as quotes use) and marks it sent
or failed. The task is idempotent: only a queued message is sent, so a retry never sends twice.
"""

import datetime
import logging
import smtplib
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import TypedDict
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage as OutgoingMail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kehu.accounts.models import User
from kehu.activities import services
from kehu.activities.models import NOTE_MAX_LENGTH, SUBJECT_MAX_LENGTH, Activity
from kehu.core import audit, events, visibility
from kehu.customers.models import Person
from kehu.mail.models import EmailMessage, EmailTemplate
from kehu.mail.templating import (
    check_placeholders,
    context_for,
    render,
    signature_of,
    usable_templates,
    user_name,
    uses,
)

log = logging.getLogger(__name__)
MAX_CC = 10
#: the right sending needs. An email goes to a customer in the company's name, so it needs more
#: than reading: activities have no rights of their own (decision 0014), and the roles' right
#: to create customers is what sets a Sales rep apart from a Read-only user.
SEND_RIGHT = ("customers", "create")


class EmailNotConfigured(ValidationError):
    """Kehu has no SMTP server to send through (KEHU_EMAIL_HOST is empty)."""

    def __init__(self) -> None:
        super().__init__(
            _("Email is not set up on this server yet: ask an administrator to set it up.")
        )


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST)


def may_send(user: User) -> bool:
    """Whether the user's role lets them send email from Kehu (for showing the buttons)."""
    return visibility.can(user, *SEND_RIGHT)


def require_sender(user: User) -> None:
    """PermissionDenied unless the user's role lets them send email (every door checks it)."""
    visibility.require(user, *SEND_RIGHT)


def new_message_id() -> str:
    """A Message-ID in Kehu's own domain (the host of KEHU_PUBLIC_URL)."""
    host = urlparse(settings.PUBLIC_URL).hostname or "localhost"
    return make_msgid(domain=host)


def sender_address() -> str:
    """The address Kehu sends from (KEHU_EMAIL_FROM), without any display name."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def clean_cc(cc: object) -> list[str]:
    """Copy addresses from a list or a comma/semicolon separated text; each must be valid."""
    if cc is None:
        return []
    if isinstance(cc, str):
        parts = cc.replace(";", ",").replace("\n", ",").split(",")
    elif isinstance(cc, list | tuple):
        parts = [str(p) for p in cc]
    else:
        raise ValidationError({"cc": [_("Enter email addresses separated by commas.")]})
    found = list(dict.fromkeys(p.strip() for p in parts if p.strip()))
    errors = []
    for address in found:
        try:
            validate_email(address)
        except ValidationError:
            errors.append(_("“%(address)s” is not a valid email address.") % {"address": address})
    if len(found) > MAX_CC:
        errors.append(_("At most %(n)s copy addresses.") % {"n": MAX_CC})
    if errors:
        raise ValidationError({"cc": errors})
    return found


def _template(actor: User, template: EmailTemplate | int | str) -> EmailTemplate:
    if isinstance(template, EmailTemplate):
        found = usable_templates(actor).filter(pk=template.pk).first()
    else:
        try:
            found = usable_templates(actor).filter(pk=int(template)).first()
        except (TypeError, ValueError):
            found = None
    if found is None:
        raise ValidationError({"template": [_("Choose an active template.")]})
    return found


def _parent(actor: User, in_reply_to: EmailMessage | int | str) -> EmailMessage:
    """The email being answered; it must be one the actor can see."""
    given = in_reply_to.pk if isinstance(in_reply_to, EmailMessage) else in_reply_to
    try:
        pk = int(given)
    except (TypeError, ValueError):
        pk = 0
    visible = Activity.objects.visible_to(actor).values("id")
    found = EmailMessage.objects.filter(pk=pk, activity_id__in=visible).first()
    if found is None or not found.message_id:
        raise ValidationError({"in_reply_to": [_("Choose an email you can see.")]})
    return found


class Outgoing(TypedDict):
    """An email checked and written out, as `send_email` saves it."""

    subject: str  # placeholders filled in
    body: str  # as the timeline shows it: placeholders filled in, no signature
    text: str  # as it is sent: with the signature
    cc: list[str]
    parent: EmailMessage | None  # the email it answers


def _validate(actor: User, person: Person, subject: object, body: object,
              template: EmailTemplate | int | str | None, cc: object,
              in_reply_to: EmailMessage | int | str | None) -> Outgoing:  # fmt: skip
    """Everything `send_email` needs, or a ValidationError with every problem at once."""
    errors: dict[str, list[str]] = {}
    if getattr(person, "deleted_at", None):
        errors["person"] = [_("This record is in the recycle bin.")]
    if not (person.email or "").strip():
        errors["to"] = [_("%(name)s has no email address.") % {"name": person.name}]
    chosen = None
    if template not in (None, ""):
        try:
            chosen = _template(actor, template)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    written_subject = str(subject or "") or (chosen.subject if chosen else "")
    written_body = str(body or "").replace("\r\n", "\n") or (chosen.body if chosen else "")
    if "\n" in written_subject or "\r" in written_subject:
        errors["subject"] = [_("A subject is one line.")]
    subject = written_subject.strip()
    body = written_body.strip()
    if not subject:
        errors.setdefault("subject", [_("Give it a subject.")])
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors.setdefault("subject", [_("At most %(n)s characters.") % {"n": SUBJECT_MAX_LENGTH}])
    if not body:
        errors["body"] = [_("Write something first.")]
    elif len(body) > NOTE_MAX_LENGTH:
        errors["body"] = [_("At most %(n)s characters.") % {"n": f"{NOTE_MAX_LENGTH:,}"}]
    try:
        written = {"subject": subject, "body": body}
        check_placeholders({k: v for k, v in written.items() if k not in errors})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    copies: list[str] = []
    try:
        copies = clean_cc(cc)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    parent = None
    if in_reply_to not in (None, ""):
        try:
            parent = _parent(actor, in_reply_to)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    values = context_for(person, actor)
    # a value (a signature) may hold line breaks; a header may not
    subject = " ".join(render(subject, values).split())[:SUBJECT_MAX_LENGTH]
    text = render(body, values)
    signature = signature_of(actor)
    if signature and not uses(body, "user.signature"):
        text = f"{text}\n\n-- \n{signature}"
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"body": [_("At most %(n)s characters.") % {"n": f"{NOTE_MAX_LENGTH:,}"}]}
        )
    return {"subject": subject, "body": render(body, values), "text": text, "cc": copies,
            "parent": parent}  # fmt: skip


def send_email(actor: User, person: Person, subject: str = "", body: str = "", *,
               template: EmailTemplate | int | str | None = None, cc: object = None,
               private: bool = False,
               in_reply_to: EmailMessage | int | str | None = None) -> EmailMessage:  # fmt: skip
    """Email `person` (whom the actor may see; their role must allow sending, `SEND_RIGHT`)
    and log it on their timeline; the message is sent by a task after the commit. A `template`
    fills an empty subject or body; placeholders such as {{ person.name }} are filled in; the
    actor's signature is added under the text."""
    if not isinstance(person, Person):  # an untyped caller's lead or company
        raise ValidationError({"person": [_("Emails are sent to people.")]})
    visibility.require_record(actor, person, "read")
    require_sender(actor)
    if not email_configured():
        raise EmailNotConfigured
    data = _validate(actor, person, subject, body, template, cc, in_reply_to)
    parent = data["parent"]
    message_id = new_message_id()
    references = ""
    if parent is not None:  # RFC 5322: the parent's References, then the parent itself
        references = " ".join(filter(None, [parent.references.strip(), parent.message_id]))
    with transaction.atomic():
        activity = services.log_activity(
            actor, person, Activity.Kind.EMAIL, {"subject": data["subject"], "body": data["body"]}
        )
        if private:
            activity = services.set_private(actor, activity, True)
        message = EmailMessage.objects.create(
            activity=activity,
            owner=actor,
            direction=EmailMessage.Direction.OUTGOING,
            status=EmailMessage.Status.QUEUED,
            message_id=message_id,
            in_reply_to=parent.message_id if parent else "",
            references=references,
            thread_key=(parent.thread_key or parent.message_id) if parent else message_id,
            from_address=sender_address(),
            from_name=user_name(actor),
            to=[person.email.strip()],
            cc=data["cc"],
            subject=data["subject"],
            text=data["text"],
            sent_at=activity.at,
        )
        pk = message.pk
        transaction.on_commit(lambda: deliver_email.enqueue(pk))
    return message


def retry_email(actor: User, message: EmailMessage) -> EmailMessage:
    """Send a failed email again (its sender only, while they may send). Only a failed message
    is queued again, in one conditional update, so two clicks still send it once."""
    activity = message.activity
    if activity is None or not Activity.objects.visible_to(actor).filter(pk=activity.pk).exists():
        raise Http404
    require_sender(actor)
    if message.owner_id != actor.pk:
        raise PermissionDenied(_("Only its sender can send it again."))
    if message.status != EmailMessage.Status.FAILED:
        return message
    if not email_configured():
        raise EmailNotConfigured
    with transaction.atomic():
        claimed = EmailMessage.objects.filter(
            pk=message.pk, status=EmailMessage.Status.FAILED
        ).update(status=EmailMessage.Status.QUEUED, error="")
        if claimed:
            changes = {"status": [EmailMessage.Status.FAILED, EmailMessage.Status.QUEUED]}
            audit.record(actor, message, "update", changes)
            events.emit("email.retried", actor=actor, message=message, changes=changes)
            pk = message.pk
            transaction.on_commit(lambda: deliver_email.enqueue(pk))
    message.refresh_from_db()
    return message


# ---------------------------------------------------------------- delivery (the task)


def _mail(message: EmailMessage) -> OutgoingMail:
    headers = {"Message-ID": message.message_id, "Date": format_datetime(timezone.now())}
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
        headers["References"] = message.references or message.in_reply_to
    reply_to = [message.owner.email] if message.owner and message.owner.email else None
    return OutgoingMail(
        subject=message.subject,
        body=message.text,
        from_email=formataddr((message.from_name, message.from_address)),
        to=list(message.to),
        cc=list(message.cc) or None,
        reply_to=reply_to,
        headers=headers,
    )


def _tell_owner_it_failed(message: EmailMessage) -> None:
    from kehu.activities.notifications.services import notify

    owner = message.owner
    if owner is None or message.activity is None:
        return
    with translation.override(owner.language or None):
        text = _("Your email “%(subject)s” could not be sent: %(error)s") % {
            "subject": message.subject, "error": message.error}  # fmt: skip
    record = message.activity.record
    url = record.get_absolute_url() if record is not None else ""
    notify(owner, "email_failed", text, url)


def _deliver(message: EmailMessage | None) -> str:
    if message is None or message.direction != EmailMessage.Direction.OUTGOING:
        return "missing"
    if message.status != EmailMessage.Status.QUEUED:
        return message.status  # sent already (or failed, waiting for a retry): nothing to do
    mail = _mail(message)
    try:
        mail.send(fail_silently=False)
    except (smtplib.SMTPException, OSError, ValueError) as exc:  # refused, down, bad header
        message.status = EmailMessage.Status.FAILED
        message.error = f"{type(exc).__name__}: {exc}"[:500]
        message.save(update_fields=["status", "error"])
        _tell_owner_it_failed(message)
        return message.status
    try:
        message.raw.save(f"{message.pk}.eml", ContentFile(mail.message().as_bytes()), save=False)
    except OSError:  # the copy is lost, not the fact that it was sent
        log.exception("could not keep the raw copy of email %s", message.pk)
        message.raw = ""
    message.status = EmailMessage.Status.SENT
    message.error = ""
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "error", "raw", "sent_at"])
    return message.status


@task()
def deliver_email(message_pk: int) -> str:
    """Hand one queued email to the SMTP server; a message that is not queued is left alone.
    On PostgreSQL the row is locked while it is sent, so two workers never both send it."""
    messages = EmailMessage.objects.select_related("owner", "activity")
    if connection.features.has_select_for_update:
        with transaction.atomic():
            return _deliver(messages.select_for_update(of=("self",)).filter(pk=message_pk).first())
    # SQLite: a write transaction would lock the whole database for the length of the send
    return _deliver(messages.filter(pk=message_pk).first())


#: without the database queue, a queued email older than this lost its task (a worker died)
STALE_QUEUED = datetime.timedelta(minutes=30)
#: with it, an email whose task is neither queued nor running is stuck once this old (its
#: task is queued when the email is saved; a run left by a dead worker is failed by
#: `kehu.core.recovery` once it is known to be dead)
LOST_QUEUED = datetime.timedelta(minutes=2)


def fail_stale_queued(now: datetime.datetime | None = None) -> int:
    """Mark emails stuck in "sending" as failed, telling their senders, so none waits
    forever. Not sent again on its own: whether the server got it is unknown, and the sender
    decides (Send again) rather than the customer getting it twice. An email still waiting
    in the queue (every worker was down for a while) or being sent is not stuck."""
    from kehu.core.recovery import waiting_for

    waiting = waiting_for(deliver_email)
    cutoff = (now or timezone.now()) - (STALE_QUEUED if waiting is None else LOST_QUEUED)
    stuck = EmailMessage.objects.filter(
        direction=EmailMessage.Direction.OUTGOING,
        status=EmailMessage.Status.QUEUED,
        created_at__lt=cutoff,
    ).select_related("owner", "activity")
    if waiting:
        stuck = stuck.exclude(pk__in=waiting)
    failed = 0
    for message in stuck[:100]:
        with translation.override(getattr(message.owner, "language", None) or None):
            error = _("Sending was interrupted; it is not known whether it went out.")
        done = EmailMessage.objects.filter(pk=message.pk, status=EmailMessage.Status.QUEUED).update(
            status=EmailMessage.Status.FAILED, error=error
        )
        if done:
            message.status, message.error = EmailMessage.Status.FAILED, error
            _tell_owner_it_failed(message)
            failed += 1
    return failed
