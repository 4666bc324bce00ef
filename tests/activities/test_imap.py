"""Reading a real IMAP mailbox (dovecot on loopback): each message once, nothing lost."""

import pytest

from kehu.activities.models import Activity
from kehu.cli import main
from kehu.mail import imap
from kehu.mail import receiving as mail_receive
from kehu.mail.models import EmailMessage, MailboxState
from tests.factories import make_person
from tests.mail.mail_samples import (
    BROKEN_MIME,
    GBK_EMAIL,
    GBK_SUBJECT,
    UNKNOWN_CHARSET,
    raw_email,
    with_attachments,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(rep):
    return make_person(rep, "李雷", email="li.lei@customer.example")


def _state() -> MailboxState:
    return MailboxState.objects.get(key=imap.mailbox_key())


def test_each_new_message_is_read_once(imap_server, customer, rep, settings):
    settings.IMAP_OWNER = rep.username
    imap_server.append(raw_email())
    imap_server.append(raw_email(sender="stranger@x.example", message_id="<s1@x.example>"))

    first = imap.poll_mailbox()
    assert (first.error, first.matched, first.review, first.uids) == ("", 1, 1, [1, 2])
    assert _state().last_uid == 2 and _state().uidvalidity == imap_server.uidvalidity()
    assert EmailMessage.objects.count() == 2
    assert Activity.objects.on(customer).filter(kind="email").count() == 1
    review = EmailMessage.objects.get(status="review")
    assert review.owner == rep  # KEHU_IMAP_OWNER's mailbox

    second = imap.poll_mailbox()
    assert (second.error, second.uids, second.stored) == ("", [], 0)
    assert EmailMessage.objects.count() == 2

    imap_server.append(raw_email(message_id="<q2@customer.example>", subject="Again"))
    third = imap.poll_mailbox()
    assert (third.uids, third.matched) == ([3], 1)
    assert Activity.objects.on(customer).filter(kind="email").count() == 2
    assert _state().last_polled_at is not None and _state().last_error == ""


def test_a_new_uidvalidity_reads_the_folder_again_without_storing_twice(imap_server, customer):
    imap_server.append(raw_email())
    imap_server.append(raw_email(message_id="<q2@customer.example>"))
    assert imap.poll_mailbox().stored == 2
    old_validity = _state().uidvalidity

    imap_server.recreate_folder()  # the server renumbers the folder: UIDs start again at 1
    imap_server.append(raw_email(message_id="<q3@customer.example>"))
    result = imap.poll_mailbox()
    assert _state().uidvalidity != old_validity
    assert (result.duplicate, result.matched, result.error) == (2, 1, "")
    assert _state().last_uid == 3
    assert EmailMessage.objects.count() == 3


def test_malformed_mail_from_the_mailbox_is_kept(imap_server, rep, settings):
    settings.MAIL_MAX_ATTACHMENT_MB = 0.1
    huge = with_attachments(
        [('filename="huge.bin"', b"\x01" * 300_000), ('filename="small.txt"', b"ok")],
        message_id="<huge@customer.example>",
    )
    for raw in (BROKEN_MIME, UNKNOWN_CHARSET, GBK_EMAIL, huge):
        imap_server.append(raw)
    result = imap.poll_mailbox()
    assert (result.error, result.review, result.unreadable) == ("", 4, 0)
    stored = {m.message_id: m for m in EmailMessage.objects.prefetch_related("attachments")}
    assert "boundary never closes" in stored["<broken@customer.example>"].text
    assert "x-klingon" in stored["<klingon@customer.example>"].error
    assert stored["<gbk1@customer.example>"].subject == GBK_SUBJECT
    big, small = sorted(stored["<huge@customer.example>"].attachments.all(), key=lambda a: a.id)
    assert (big.filename, bool(big.file), big.size) == ("huge.bin", False, 300_000)
    assert small.file.read() == b"ok"
    for message in stored.values():  # every message is kept byte for byte
        assert message.raw.read().replace(b"\r\n", b"\n").strip() != b""


def test_a_crash_half_way_loses_nothing_and_repeats_nothing(imap_server, customer, monkeypatch):
    for n in (1, 2, 3):
        imap_server.append(raw_email(message_id=f"<m{n}@customer.example>", subject=f"#{n}"))
    real = mail_receive.receive
    calls = []

    def failing(raw, **kwargs):
        calls.append(raw)
        if len(calls) == 2:
            raise RuntimeError("the worker died")
        return real(raw, **kwargs)

    monkeypatch.setattr(imap, "receive", failing)
    broken = imap.poll_mailbox()
    assert broken.uids == [1] and "the worker died" in broken.error
    assert _state().last_uid == 1 and "the worker died" in _state().last_error
    assert EmailMessage.objects.count() == 1

    monkeypatch.setattr(imap, "receive", real)
    again = imap.poll_mailbox()
    assert (again.uids, again.matched, again.duplicate, again.error) == ([2, 3], 2, 0, "")
    subjects = sorted(EmailMessage.objects.values_list("subject", flat=True))
    assert subjects == ["#1", "#2", "#3"]
    assert _state().last_error == ""


def test_a_refused_login_is_recorded_not_raised(imap_server, settings):
    settings.IMAP_PASSWORD = "wrong"
    result = imap.poll_mailbox()
    assert result.error and result.stored == 0
    assert "AUTHENTICATIONFAILED" in _state().last_error or "failed" in _state().last_error


def test_an_unknown_folder_is_recorded(imap_server, settings):
    settings.IMAP_FOLDER = "Nope"
    assert "SELECT" in imap.poll_mailbox().error


def test_nothing_happens_without_a_mailbox(settings):
    settings.IMAP_HOST = ""
    assert imap.poll_mailbox().configured is False
    assert MailboxState.objects.count() == 0


def test_the_worker_task_reads_the_mailbox(imap_server, customer):
    imap_server.append(raw_email())
    result = imap.poll_mail.enqueue()  # the tests' immediate backend runs it now
    assert result.return_value == 1
    assert EmailMessage.objects.get().activity.record == customer


def test_kehu_fetchmail(imap_server, customer, capsys):
    imap_server.append(raw_email())
    assert main(["fetchmail"]) == 0
    assert "1 on timelines" in capsys.readouterr().out
    assert main(["fetchmail"]) == 0
    assert "Read 0 new messages" in capsys.readouterr().out


def test_kehu_fetchmail_says_what_is_missing(settings, capsys):
    settings.IMAP_HOST = ""
    assert main(["fetchmail"]) == 2
    assert "KEHU_IMAP_HOST" in capsys.readouterr().err


def test_workers_queue_the_next_poll_once(settings):
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMAP_HOST, settings.IMAP_POLL_MINUTES = "imap.example", 5
    imap.schedule_next()
    imap.schedule_next()  # a second worker starting
    (queued,) = DBTaskResult.objects.filter(task_path="kehu.mail.imap.poll_mail")
    assert queued.status == "READY"
    wait = queued.run_after - timezone.now()
    assert datetime.timedelta(minutes=4) < wait <= datetime.timedelta(minutes=5)


def test_no_poll_is_queued_without_a_mailbox(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMAP_HOST = ""
    imap.schedule_next()
    assert not DBTaskResult.objects.filter(task_path="kehu.mail.imap.poll_mail").exists()
