"""Each invitation to each recipient is a recorded delivery: written as pending with the
meeting's change, marked sent once a real SMTP server (aiosmtpd) took it, tried again later
when the server refused it or a worker died — never lost, never sent twice."""

import collections
import datetime

import pytest
from django.utils import timezone

from kehu.activities import reminders, services
from kehu.activities.invitations import deliveries
from kehu.activities.invitations import services as invitations
from kehu.activities.models import InvitationDelivery
from kehu.activities.tasks import send_reminders
from kehu.customers.models import Person
from tests.factories import make_person
from tests.smtp import RecordingSMTPServer, _free_port, _Recorder

pytestmark = pytest.mark.django_db
Status = InvitationDelivery.Status
FIRST, SECOND, THIRD = (
    "manager@kehu.example",
    "zhang.wei@customer.example",
    "li.na@customer.example",
)


class _RefusingRecorder(_Recorder):
    """Answers RCPT TO for the addresses in `refuse` with a temporary failure (451)."""

    def __init__(self):
        super().__init__()
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.refuse:
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server that can be told to refuse some recipients (`smtp.refuse`)."""
    recorder = _RefusingRecorder()
    server = RecordingSMTPServer(recorder)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    server.refuse = recorder.refuse
    yield server
    server.stop()


@pytest.fixture
def attendees(rep, manager):
    """Three recipients, in the order they are recorded: a colleague, then two customers."""
    rep.email, manager.email = "rep@kehu.example", FIRST
    rep.save()
    manager.save()
    zhang = make_person(rep, "张伟", email=SECOND)
    li = make_person(rep, "李娜 Li Na", email=THIRD)
    return {"attendee_users": [manager.pk], "attendee_people": [zhang.pk, li.pk]}


def _plan(rep, attendees, **data):
    start = (timezone.now() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    record = Person.objects.get(email=SECOND)  # the meeting is logged on 张伟
    return services.log_activity(
        rep,
        record,
        "meeting",
        {
            "subject": "方案讨论 Proposal talk",
            "at": start,
            "ends_at": start + datetime.timedelta(hours=1),
            **attendees,
            **data,
        },
    )


def _received(server) -> collections.Counter:
    return collections.Counter(m["To"] for m in server.messages)


def _deliveries(meeting) -> dict[str, InvitationDelivery]:
    return {d.address: d for d in InvitationDelivery.objects.filter(activity=meeting)}


def test_the_deliveries_are_written_with_the_meeting_and_marked_sent(
    smtp, rep, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        meeting = _plan(rep, attendees)
        # in the meeting's own transaction: pending, before anything talks to the server
        rows = _deliveries(meeting)
        assert set(rows) == {FIRST, SECOND, THIRD}
        assert {(d.status, d.method, d.sequence, d.attempts) for d in rows.values()} == {
            (Status.PENDING, "REQUEST", 1, 0)
        }
        assert rows[FIRST].user_id and rows[SECOND].person_id and rows[SECOND].actor_id == rep.pk
    assert smtp.messages == [] and len(callbacks) == 1
    callbacks[0]()  # the commit: one task for all of them
    assert _received(smtp) == {FIRST: 1, SECOND: 1, THIRD: 1}
    rows = _deliveries(meeting)
    assert all(d.status == Status.SENT and d.sent_at and d.attempts == 1 for d in rows.values())
    by_to = {m["To"]: m for m in smtp.messages}
    # the Message-ID is the delivery's: a repeat after a crash is recognised as one message
    assert by_to[SECOND]["Message-ID"] == reminders.stable_message_id("invitation", rows[SECOND].pk)
    # running the task again (a worker restarted) sends nothing more
    assert invitations.send_invitations.call(meeting.pk, "REQUEST", rep.pk, planned=True) == 0
    assert invitations.send_waiting_invitations() == 0
    assert _received(smtp) == {FIRST: 1, SECOND: 1, THIRD: 1}


def test_the_server_refusing_the_second_of_three_sends_it_on_the_retry_and_nobody_twice(
    smtp, rep, attendees, django_capture_on_commit_callbacks
):
    smtp.refuse.add(SECOND)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(rep, attendees)
    assert _received(smtp) == {FIRST: 1, THIRD: 1}  # the third is not held up by the second
    waiting = _deliveries(meeting)[SECOND]
    assert (waiting.status, waiting.attempts, waiting.claimed_at) == (Status.PENDING, 1, None)
    assert "451" in waiting.last_error
    assert waiting.next_try_at > timezone.now()  # backoff: not at once

    # the task run again right away sends nothing: the refused one waits for its time
    assert invitations.send_invitations.call(meeting.pk, "REQUEST", rep.pk) == 0
    assert _received(smtp) == {FIRST: 1, THIRD: 1}

    smtp.refuse.clear()  # the server takes mail again
    later = waiting.next_try_at + datetime.timedelta(seconds=1)
    assert invitations.send_waiting_invitations(now=later) == 1
    assert invitations.send_waiting_invitations(now=later + datetime.timedelta(hours=1)) == 0
    assert _received(smtp) == {FIRST: 1, SECOND: 1, THIRD: 1}
    assert {d.status for d in _deliveries(meeting).values()} == {Status.SENT}


class _WorkerDied(BaseException):
    """Stands in for the worker process being killed (not an Exception: nothing catches it)."""


def test_a_worker_dying_mid_batch_loses_nobody_and_repeats_nobody(
    smtp, rep, attendees, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        meeting = _plan(rep, attendees)
    assert len(callbacks) == 1
    real_build = invitations.build_invitation

    def dies_on_the_second(activity, method, recipient, actor=None, **kwargs):
        if kwargs.get("address") == SECOND:
            raise _WorkerDied
        return real_build(activity, method, recipient, actor, **kwargs)

    monkeypatch.setattr(deliveries, "build_invitation", dies_on_the_second)
    with pytest.raises(_WorkerDied):
        invitations.send_invitations.call(meeting.pk, "REQUEST", rep.pk, planned=True)
    monkeypatch.undo()
    assert _received(smtp) == {FIRST: 1}
    rows = _deliveries(meeting)
    assert rows[FIRST].status == Status.SENT
    assert rows[SECOND].status == Status.PENDING and rows[SECOND].claimed_at is not None
    assert rows[THIRD].status == Status.PENDING and rows[THIRD].attempts == 0

    # the worker restarts and the task runs again: only what is still pending goes out
    assert invitations.send_invitations.call(meeting.pk, "REQUEST", rep.pk, planned=True) == 1
    assert _received(smtp) == {FIRST: 1, THIRD: 1}
    # the dead worker's claim on the second expires; the sweep sends it
    later = timezone.now() + reminders.CLAIM_TIMEOUT + datetime.timedelta(minutes=1)
    assert invitations.send_waiting_invitations(now=later) == 1
    assert invitations.send_waiting_invitations(now=later + datetime.timedelta(hours=2)) == 0
    assert _received(smtp) == {FIRST: 1, SECOND: 1, THIRD: 1}
    assert {d.status for d in _deliveries(meeting).values()} == {Status.SENT}


def test_a_crash_after_the_server_took_it_repeats_it_with_the_same_message_id(
    smtp, rep, attendees, monkeypatch, django_capture_on_commit_callbacks
):
    """The one window nothing can close (the server has it, the row does not say so yet):
    the repeat carries the same Message-ID, UID and SEQUENCE, so it is recognised as one."""
    attendees["attendee_people"] = attendees["attendee_people"][:1]
    attendees["attendee_users"] = []
    with django_capture_on_commit_callbacks():
        meeting = _plan(rep, attendees)
    real_send = invitations.Invitation.send

    def dies_after_sending(self, *args, **kwargs):
        real_send(self, *args, **kwargs)
        raise _WorkerDied

    monkeypatch.setattr(invitations.Invitation, "send", dies_after_sending)
    with pytest.raises(_WorkerDied):
        invitations.send_invitations.call(meeting.pk, "REQUEST", rep.pk, planned=True)
    monkeypatch.undo()
    later = timezone.now() + reminders.CLAIM_TIMEOUT + datetime.timedelta(minutes=1)
    assert invitations.send_waiting_invitations(now=later) == 1
    first, again = smtp.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert first["To"] == again["To"] == SECOND


def test_with_the_server_down_all_wait_and_go_out_when_it_is_back(
    smtp, settings, rep, attendees, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = _free_port(), 2  # nobody listens there
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(rep, attendees)
    rows = _deliveries(meeting).values()
    assert {(d.status, d.attempts) for d in rows} == {(Status.PENDING, 1)}
    assert all(d.last_error and d.next_try_at > timezone.now() for d in rows)

    settings.EMAIL_PORT = smtp.port  # back up
    later = max(d.next_try_at for d in rows) + datetime.timedelta(seconds=1)
    assert invitations.send_waiting_invitations(now=later) == 3
    assert _received(smtp) == {FIRST: 1, SECOND: 1, THIRD: 1}


def test_an_address_refused_every_time_is_given_up_after_the_last_try(
    smtp, rep, attendees, django_capture_on_commit_callbacks
):
    smtp.refuse.add(THIRD)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(rep, attendees)
    when = timezone.now()
    for _try in range(invitations.MAX_ATTEMPTS + 2):
        when += datetime.timedelta(hours=5)  # past any backoff
        invitations.send_waiting_invitations(now=when)
    refused = _deliveries(meeting)[THIRD]
    assert (refused.status, refused.attempts) == (Status.FAILED, invitations.MAX_ATTEMPTS)
    assert _received(smtp) == {FIRST: 1, SECOND: 1}


def test_the_minute_sweep_sends_what_waits(
    smtp, rep, attendees, django_capture_on_commit_callbacks
):
    smtp.refuse.add(FIRST)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(rep, attendees)
    smtp.refuse.clear()
    InvitationDelivery.objects.filter(activity=meeting, address=FIRST).update(
        next_try_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    send_reminders.call()  # the sweep the worker runs once a minute
    assert _received(smtp) == {FIRST: 1, SECOND: 1, THIRD: 1}


def test_an_invitation_a_later_change_replaced_is_not_sent(
    smtp, rep, attendees, django_capture_on_commit_callbacks
):
    """Two changes before the first went out (the queue was slow): one email each, the
    latest version — not the old one and then the new one."""
    with django_capture_on_commit_callbacks():
        meeting = _plan(rep, attendees)
    later = meeting.at + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.update_activity(
            rep, meeting, {"at": later, "ends_at": later + datetime.timedelta(hours=1)}
        )
    invitations.send_waiting_invitations()  # the first change's rows: superseded
    assert _received(smtp) == {FIRST: 1, SECOND: 1, THIRD: 1}
    assert all("Updated invitation" in m["Subject"] for m in smtp.messages)
    old = InvitationDelivery.objects.filter(activity=meeting, sequence=1)
    assert {(d.status, d.last_error) for d in old} == {(Status.SKIPPED, "superseded")}


def test_taking_someone_off_and_deleting_are_recorded_as_cancellations(
    smtp, rep, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(rep, attendees)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.update_activity(rep, meeting, {"attendee_users": []})
    taken_off = InvitationDelivery.objects.get(activity=meeting, sequence=2, method="CANCEL")
    assert (taken_off.address, taken_off.status) == (FIRST, Status.SENT)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_activity(rep, meeting)
    cancelled = InvitationDelivery.objects.filter(activity=meeting, sequence=3)
    assert {(d.address, d.method, d.status) for d in cancelled} == {
        (SECOND, "CANCEL", Status.SENT),
        (THIRD, "CANCEL", Status.SENT),
    }
    assert _received(smtp) == {FIRST: 2, SECOND: 3, THIRD: 3}


def test_a_task_queued_before_deliveries_were_recorded_still_sends_once(
    smtp, rep, attendees, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():  # its rows are not kept: an old queued task
        meeting = _plan(rep, attendees)
    InvitationDelivery.objects.filter(activity=meeting).delete()
    assert invitations.send_invitations.call(meeting.pk, "REQUEST", rep.pk) == 3
    assert invitations.send_invitations.call(meeting.pk, "REQUEST", rep.pk) == 0
    assert _received(smtp) == {FIRST: 1, SECOND: 1, THIRD: 1}
