"""Reading the configured IMAP mailbox (KEHU_IMAP_*) into Kehu, every few minutes from
`kehu worker` and on demand with `kehu fetchmail`.

Kehu only reads: messages are fetched with BODY.PEEK[] (they stay unread and in place on the
server). `MailboxState` remembers the folder's UIDVALIDITY and the last UID stored; each
message is stored and `last_uid` moved past it in one transaction, so a crash half-way
through loses nothing and stores nothing twice. When the server renumbers the folder (a new
UIDVALIDITY) the folder is read again from the start; Message-IDs keep that from storing
anything twice.
"""

import datetime
import imaplib
import logging
import ssl
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DataError, transaction
from django.utils import timezone
from django_tasks import task

from kehu.accounts.models import User
from kehu.core.schedule import enqueue_once
from kehu.mail.models import MailboxState
from kehu.mail.receiving import DUPLICATE, MATCHED, REVIEW, UnreadableEmail, receive
from kehu.mail.review.notices import tell_reviewers

log = logging.getLogger(__name__)

#: messages read per poll at most; the next poll goes on where this one stopped
BATCH = 500


class MailboxError(Exception):
    """The mailbox could not be read (refused login, unknown folder, network)."""


@dataclass
class PollResult:
    configured: bool = True
    matched: int = 0
    review: int = 0
    duplicate: int = 0
    unreadable: int = 0
    #: why reading stopped, "" when it did not
    error: str = ""
    more: bool = False
    uids: list[int] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.matched + self.review


@dataclass(frozen=True)
class ImapAccount:
    """Where a mailbox is and how to log in: the KEHU_IMAP_* one (`settings_account`) or a
    support mailbox (`kehu.service.mailbox`)."""

    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    ssl: bool = True
    starttls: bool = False
    timeout: int = 60

    @property
    def key(self) -> str:
        """What names its reading state (`MailboxState.key`): another server, login or folder
        is another mailbox, read from its start."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"[:300]


@dataclass
class FolderRead:
    """What one pass over a folder did (`read_folder`)."""

    uids: list[int] = field(default_factory=list)
    unreadable: int = 0
    more: bool = False
    #: why reading stopped, "" when it did not
    error: str = ""
    #: what `handle` returned (other than None) for each message, once it was committed
    kept: list[Any] = field(default_factory=list)


def configured() -> bool:
    return bool(settings.IMAP_HOST)


def settings_account() -> ImapAccount:
    """The mailbox of the KEHU_IMAP_* settings."""
    return ImapAccount(
        host=settings.IMAP_HOST,
        port=settings.IMAP_PORT,
        user=settings.IMAP_USER,
        password=settings.IMAP_PASSWORD,
        folder=settings.IMAP_FOLDER,
        ssl=settings.IMAP_SSL,
        starttls=settings.IMAP_STARTTLS,
        timeout=settings.IMAP_TIMEOUT,
    )


def mailbox_key() -> str:
    return settings_account().key


def mailbox_state() -> MailboxState | None:
    """How far the configured mailbox has been read (None when none is configured)."""
    if not configured():
        return None
    return MailboxState.objects.filter(key=mailbox_key()).first()


def _owner() -> User | None:
    name = settings.IMAP_OWNER
    if not name:
        return None
    owner = User.objects.filter(username__iexact=name, is_active=True).first()
    if owner is None:
        raise MailboxError(f"KEHU_IMAP_OWNER: there is no active user “{name}”")
    return owner


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(account: ImapAccount) -> imaplib.IMAP4:
    """A logged-in connection to `account`'s server (raises imaplib/OS errors)."""
    conn: imaplib.IMAP4
    if account.ssl and not account.starttls:
        conn = imaplib.IMAP4_SSL(
            account.host,
            account.port,
            ssl_context=ssl.create_default_context(),
            timeout=account.timeout,
        )
    else:
        conn = imaplib.IMAP4(account.host, account.port, timeout=account.timeout)
        if account.starttls:
            conn.starttls(ssl_context=ssl.create_default_context())
    conn.login(account.user, account.password)
    return conn


def _check(answer: tuple[str, list[Any]], what: str) -> list[Any]:
    typ, data = answer
    if typ != "OK":
        detail = b" ".join(d for d in data if isinstance(d, bytes)).decode(errors="replace")
        raise MailboxError(f"{what}: {detail or typ}")
    return data


def _message_bytes(data: list[Any] | None) -> bytes | None:
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def check_connection(account: ImapAccount) -> str:
    """Log in and open the folder, read nothing: "" when it works, else why not."""
    conn = None
    try:
        conn = connect(account)
        _check(conn.select(_quote(account.folder), readonly=True), "SELECT")
        return ""
    except (MailboxError, imaplib.IMAP4.error, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    finally:
        if conn is not None:
            with suppress(imaplib.IMAP4.error, OSError):
                conn.logout()


#: what `handle` may raise for one message Kehu cannot store: skipped, reading goes on
SKIPPABLE = (UnreadableEmail, DataError, ValueError, UnicodeError)


def read_folder(
    account: ImapAccount,
    handle: Callable[[bytes], Any],
    *,
    prepare: Callable[[], None] | None = None,
) -> FolderRead:
    """Call `handle(raw)` for each message that arrived in `account`'s folder since the last
    read, each in a transaction that also moves the folder's `last_uid` past it. `prepare`
    runs first (a configuration check whose MailboxError is recorded like a refused login).
    A failure is recorded in `MailboxState.last_error` and returned, not raised."""
    state, _created = MailboxState.objects.get_or_create(key=account.key)
    result = FolderRead()
    conn = None
    try:
        if prepare is not None:
            prepare()
        conn = connect(account)
        _check(conn.select(_quote(account.folder), readonly=True), "SELECT")
        _name, values = conn.response("UIDVALIDITY")
        if not values or not values[0]:
            raise MailboxError("the server did not tell the folder's UIDVALIDITY")
        validity = int(values[0])
        if state.uidvalidity != validity:
            if state.uidvalidity is not None:
                log.warning("IMAP %s: UIDVALIDITY changed, reading the folder again", state.key)
            state.uidvalidity, state.last_uid = validity, 0
            state.save(update_fields=["uidvalidity", "last_uid"])
        # no charset (imaplib leaves a None argument out, typeshed does not allow one)
        data = _check(conn.uid("SEARCH", f"UID {state.last_uid + 1}:*"), "SEARCH")
        # "n:*" always matches the newest message, even when its UID is below n
        uids = sorted(int(u) for u in (data[0] or b"").split() if int(u) > state.last_uid)
        result.more = len(uids) > BATCH
        for uid in uids[:BATCH]:
            raw = _message_bytes(_check(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), "FETCH"))
            kept = None
            with transaction.atomic():
                if raw is not None:  # None: expunged since the search
                    try:
                        with transaction.atomic():
                            kept = handle(raw)
                    except SKIPPABLE as exc:
                        # one message Kehu cannot store must not stop the mailbox: it stays on
                        # the server (read with PEEK, never deleted) and reading goes on
                        log.warning("IMAP %s: UID %s skipped: %s", state.key, uid, exc)
                        result.unreadable += 1
                MailboxState.objects.filter(pk=state.pk, last_uid__lt=uid).update(last_uid=uid)
            if kept is not None:  # committed: the message is stored for good
                result.kept.append(kept)
            result.uids.append(uid)
        error = ""
    except (MailboxError, imaplib.IMAP4.error, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("IMAP %s: %s", state.key, error)
    except Exception as exc:  # a bug or a database failure: recorded, retried next poll
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.exception("IMAP %s: reading stopped", state.key)
    finally:
        if conn is not None:
            with suppress(imaplib.IMAP4.error, OSError):
                conn.logout()
    result.error = error
    MailboxState.objects.filter(pk=state.pk).update(last_polled_at=timezone.now(), last_error=error)
    return result


def poll_mailbox() -> PollResult:
    """Read the messages that arrived since the last poll and store them (see `receive`).
    A failure is recorded in `MailboxState.last_error` and returned, not raised."""
    if not configured():
        return PollResult(configured=False)
    result = PollResult()
    owner: list[User | None] = []

    def prepare() -> None:
        owner.append(_owner())

    def handle(raw: bytes) -> Any:
        received = receive(raw, owner=owner[0], source="imap")
        if received.outcome == MATCHED:
            result.matched += 1
        elif received.outcome == REVIEW:
            result.review += 1
            return received.message  # told to the reviewers below, after the read
        elif received.outcome == DUPLICATE:
            result.duplicate += 1
        return None

    read = read_folder(settings_account(), handle, prepare=prepare)
    result.uids, result.unreadable, result.more, result.error = (
        read.uids, read.unreadable, read.more, read.error)  # fmt: skip
    try:
        tell_reviewers(read.kept)  # one notification for the whole poll, however many
    except Exception:  # noqa: BLE001  (the mail is stored; a lost notice must not fail the poll)
        log.exception("IMAP %s: could not tell the reviewers", mailbox_key())
    return result


# ---------------------------------------------------------------- the schedule


def schedule_next() -> None:
    """Queue the next poll in KEHU_IMAP_POLL_MINUTES, unless one is queued already or no
    mailbox is configured (`core.schedule`)."""
    if not configured():
        return
    minutes = max(float(settings.IMAP_POLL_MINUTES), 0.5)
    enqueue_once(poll_mail, timezone.now() + datetime.timedelta(minutes=minutes))


@task()
def poll_mail() -> int:
    """Read the mailbox, then queue the next poll; returns how many messages were stored."""
    try:
        return poll_mailbox().stored
    finally:
        schedule_next()
