"""Reading the support mailboxes: every KEHU_IMAP_POLL_MINUTES from `kehu worker`, each
active mailbox through the same IMAP reader as the KEHU_IMAP_* one (`kehu.mail.imap`)."""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from kehu.core.schedule import enqueue_once
from kehu.mail import imap
from kehu.mail.models import MailboxState
from kehu.service.mailbox import intake
from kehu.service.mailbox.models import InboundMail, SupportMailbox

log = logging.getLogger(__name__)


@dataclass
class MailboxPoll:
    """What one read of one support mailbox did."""

    outcomes: dict[str, int] = field(default_factory=dict)
    uids: list[int] = field(default_factory=list)
    unreadable: int = 0
    error: str = ""

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)


def account_of(mailbox: SupportMailbox) -> imap.ImapAccount:
    security = mailbox.imap_security
    return imap.ImapAccount(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        user=mailbox.imap_user,
        password=mailbox.imap_password,
        folder=mailbox.imap_folder or "INBOX",
        ssl=security != SupportMailbox.Security.NONE,
        starttls=security == SupportMailbox.Security.STARTTLS,
        timeout=settings.IMAP_TIMEOUT,
    )


def state_of(mailbox: SupportMailbox) -> MailboxState | None:
    """How far the mailbox has been read, and the last error (None before the first read)."""
    return MailboxState.objects.filter(key=account_of(mailbox).key).first()


def poll_support_mailbox(mailbox: SupportMailbox) -> MailboxPoll:
    """Read what arrived in `mailbox` since the last read and take each message in
    (`intake.receive`). A failure is recorded on the mailbox's state, not raised."""
    result = MailboxPoll()

    def prepare() -> None:
        owner = mailbox.person_owner
        if not owner.is_active:
            raise imap.MailboxError(f"the owner of new people, “{owner.username}”, is not active")

    def handle(raw: bytes) -> None:
        taken = intake.receive(raw, mailbox)
        result.outcomes[taken.outcome] = result.outcomes.get(taken.outcome, 0) + 1

    read = imap.read_folder(account_of(mailbox), handle, prepare=prepare)
    result.uids, result.unreadable, result.error = read.uids, read.unreadable, read.error
    return result


def poll_all() -> int:
    """Read every active support mailbox; returns how many messages became tickets or went
    on one."""
    taken = 0
    for mailbox in SupportMailbox.objects.filter(active=True).select_related(
        "person_owner", "team"
    ):
        poll = poll_support_mailbox(mailbox)
        taken += sum(poll.count(o) for o in (InboundMail.Outcome.TICKET, InboundMail.Outcome.REPLY,
                                              InboundMail.Outcome.NOTE))  # fmt: skip
    return taken


def schedule_next() -> None:
    """Queue the next read in KEHU_IMAP_POLL_MINUTES, unless one is queued already or no
    support mailbox is active (`core.schedule`)."""
    if not SupportMailbox.objects.filter(active=True).exists():
        return
    minutes = max(float(settings.IMAP_POLL_MINUTES), 0.5)
    enqueue_once(poll_support_mail, timezone.now() + datetime.timedelta(minutes=minutes))


@task()
def poll_support_mail() -> int:
    """Read the support mailboxes, then queue the next read."""
    try:
        return poll_all()
    finally:
        schedule_next()
