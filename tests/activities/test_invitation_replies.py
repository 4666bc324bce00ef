"""Answers to meeting invitations: an attendee's calendar replies with an iTIP REPLY email
(`text/calendar; method=REPLY`), received as `.eml` bytes (and through a real IMAP server);
the meeting records it, its page shows it, the organiser's bell tells it. Replies that do not
count, or cannot be read, change nothing and stop nothing."""

import base64
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kehu.activities import services
from kehu.activities.calendar import ical
from kehu.activities.invitations import replies as invitation_replies
from kehu.activities.models import Activity, InvitationDelivery, Notification
from kehu.mail import imap
from kehu.mail import receiving as mail_receive
from kehu.mail.models import EmailMessage
from tests.factories import make_person

pytestmark = pytest.mark.django_db
CUSTOMER = "zhang.wei@customer.example"
COLLEAGUE = "manager@kehu.example"
Response = InvitationDelivery.Response


@pytest.fixture
def meeting(smtp_server, rep, manager, django_capture_on_commit_callbacks):
    """A meeting rep organises with a customer and a colleague, its invitations sent."""
    rep.email, manager.email = "rep@kehu.example", COLLEAGUE
    rep.save()
    manager.save()
    person = make_person(rep, "张伟", email=CUSTOMER)
    start = (timezone.now() + datetime.timedelta(days=4)).replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        activity = services.log_activity(
            rep,
            person,
            "meeting",
            {
                "subject": "季度回顾 Quarterly review",
                "at": start,
                "ends_at": start + datetime.timedelta(hours=1),
                "attendee_people": [person.pk],
                "attendee_users": [manager.pk],
            },
        )
    assert InvitationDelivery.objects.filter(activity=activity, status="sent").count() == 2
    return activity


def calendar_reply(uid, attendee=CUSTOMER, partstat="ACCEPTED", sequence: int | None = 1):
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
        "VERSION:2.0",
        "METHOD:REPLY",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261201T090000Z",
        "ORGANIZER:mailto:rep@kehu.example",
        f"ATTENDEE;PARTSTAT={partstat};CN=Zhang Wei:MAILTO:{attendee.upper()}",
        "SUMMARY:Accepted: 季度回顾 Quarterly review",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    if sequence is not None:
        lines.insert(6, f"SEQUENCE:{sequence}")
    return ("\r\n".join(lines) + "\r\n").encode()


def reply_email(calendar: bytes, *, sender=f"Zhang Wei <{CUSTOMER}>",
                message_id="<reply-1@customer.example>", attach: bool = True) -> bytes:  # fmt: skip
    """A reply as mail programs send it: text, the text/calendar part, and (like Gmail) the
    same calendar again as an invite.ics attachment."""
    encoded = base64.encodebytes(calendar).decode().replace("\n", "\r\n")
    parts = [
        f"From: {sender}\r\nTo: rep@kehu.example\r\nSubject: Accepted: Quarterly review\r\n"
        f"Message-ID: {message_id}\r\nDate: Tue, 01 Dec 2026 17:00:00 +0800\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="OUTER"\r\n\r\n'
        '--OUTER\r\nContent-Type: multipart/alternative; boundary="INNER"\r\n\r\n'
        "--INNER\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Zhang Wei has accepted this invitation.\r\n"
        '--INNER\r\nContent-Type: text/calendar; charset="utf-8"; method=REPLY\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}"
        "--INNER--\r\n"
    ]
    if attach:
        parts.append(
            '--OUTER\r\nContent-Type: application/ics; name="invite.ics"\r\n'
            'Content-Disposition: attachment; filename="invite.ics"\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}"
        )
    parts.append("--OUTER--\r\n")
    return "".join(parts).encode()


def _answer(meeting, address=CUSTOMER) -> str:
    current = invitation_replies._current_answer(meeting, address)
    return current.response if current else ""


def _bells(user):
    return list(Notification.objects.filter(user=user, kind="invitation_reply").order_by("id"))


def test_an_accepted_reply_is_recorded_shown_and_told_to_the_organiser(meeting, rep, client):
    raw = reply_email(calendar_reply(ical.uid(meeting)))
    received = mail_receive.receive(raw, owner=rep)

    delivery = InvitationDelivery.objects.get(activity=meeting, address=CUSTOMER)
    assert delivery.response == Response.ACCEPTED and delivery.responded_at is not None
    assert delivery.reply == received.message
    # the email itself is handled as any other: it is on 张伟's timeline
    assert received.outcome == mail_receive.MATCHED
    (bell,) = _bells(rep)
    assert bell.text == "张伟 accepted “季度回顾 Quarterly review”"
    assert bell.url == meeting.get_absolute_url()

    client.force_login(rep)
    page = client.get(reverse("activity-detail", args=[meeting.pk])).content.decode()
    assert 'class="badge rsvp-accepted"' in page  # 张伟
    assert 'class="badge rsvp-none"' in page  # the manager has not answered yet


def test_the_api_gives_the_answers_as_the_page_does(meeting, rep, manager, outsider):
    from tests.api.conftest import bearer_client

    mail_receive.receive(reply_email(calendar_reply(ical.uid(meeting), partstat="DECLINED")))
    person = meeting.attendee_people.get()
    url = f"/api/v1/activities/{meeting.pk}/answers"
    body = bearer_client(rep).get(url).json()
    assert body == {
        "items": [
            {"attendee_type": "user", "attendee_id": manager.pk, "answer": "none",
             "label": "no answer yet", "to_earlier_version": False},
            {"attendee_type": "person", "attendee_id": person.pk, "answer": "declined",
             "label": "declined", "to_earlier_version": False},
        ],
        "next_cursor": None,
    }  # fmt: skip
    assert bearer_client(outsider).get(url).status_code == 404  # not their meeting
    note = services.add_note(rep, person, "备注")
    answers = bearer_client(rep).get(f"/api/v1/activities/{note.pk}/answers").json()
    assert answers["items"] == []


@pytest.mark.parametrize(
    ("partstat", "answer", "text"),
    [
        ("DECLINED", Response.DECLINED, "张伟 declined “季度回顾 Quarterly review”"),
        ("TENTATIVE", Response.TENTATIVE,
         "张伟 might attend “季度回顾 Quarterly review” (tentative)"),
    ],
)  # fmt: skip
def test_declined_and_tentative(meeting, rep, partstat, answer, text):
    mail_receive.receive(reply_email(calendar_reply(ical.uid(meeting), partstat=partstat)))
    assert _answer(meeting) == answer
    assert [b.text for b in _bells(rep)] == [text]


def test_the_bell_rings_when_the_answer_changes_not_when_it_is_repeated(meeting, rep):
    uid = ical.uid(meeting)
    mail_receive.receive(reply_email(calendar_reply(uid), message_id="<a1@customer.example>"))
    mail_receive.receive(reply_email(calendar_reply(uid), message_id="<a2@customer.example>"))
    # the same email read twice (the mailbox again) is one email, one answer
    mail_receive.receive(reply_email(calendar_reply(uid), message_id="<a2@customer.example>"))
    assert len(_bells(rep)) == 1
    mail_receive.receive(
        reply_email(calendar_reply(uid, partstat="DECLINED"), message_id="<a3@customer.example>")
    )
    assert _answer(meeting) == Response.DECLINED
    assert [b.text.split()[1] for b in _bells(rep)] == ["accepted", "declined"]


def test_a_colleague_s_answer_counts_too(meeting, rep, manager):
    raw = reply_email(
        calendar_reply(ical.uid(meeting), attendee=COLLEAGUE, partstat="TENTATIVE"),
        sender=f"Manager <{COLLEAGUE}>",
    )
    mail_receive.receive(raw, owner=rep)
    assert _answer(meeting, COLLEAGUE) == Response.TENTATIVE
    assert _bells(rep)[0].text.startswith(str(manager))


def test_an_answer_to_an_earlier_version_is_shown_as_such(
    meeting, rep, client, django_capture_on_commit_callbacks
):
    uid = ical.uid(meeting)
    mail_receive.receive(reply_email(calendar_reply(uid, sequence=1)))
    later = meeting.at + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.update_activity(
            rep, meeting, {"at": later, "ends_at": later + datetime.timedelta(hours=1)}
        )
    client.force_login(rep)
    page = client.get(reverse("activity-detail", args=[meeting.pk])).content.decode()
    assert "rsvp-accepted" in page and "before the last change" in page

    # a late reply to the first version does not override the answer to the second
    mail_receive.receive(
        reply_email(
            calendar_reply(uid, partstat="DECLINED", sequence=2), message_id="<d2@c.example>"
        )
    )
    mail_receive.receive(
        reply_email(
            calendar_reply(uid, partstat="TENTATIVE", sequence=1), message_id="<t1@c.example>"
        )
    )
    assert _answer(meeting) == Response.DECLINED
    assert [b.text.split()[1] for b in _bells(rep)] == ["accepted", "declined"]
    page = client.get(reverse("activity-detail", args=[meeting.pk])).content.decode()
    assert "rsvp-declined" in page and "before the last change" not in page


@pytest.mark.parametrize("sequence", [None, 0])
def test_a_reply_without_a_sequence_kehu_sent_answers_the_latest_invitation(meeting, sequence):
    mail_receive.receive(reply_email(calendar_reply(ical.uid(meeting), sequence=sequence)))
    assert _answer(meeting) == Response.ACCEPTED


@pytest.mark.parametrize(
    ("sender", "attendee"),
    [
        ("stranger@elsewhere.example", "stranger@elsewhere.example"),  # never invited
        ("stranger@elsewhere.example", CUSTOMER),  # answering for someone else
        (CUSTOMER, "stranger@elsewhere.example"),  # an invitee answering for someone else
    ],
)
def test_a_reply_from_anyone_but_the_invited_attendee_is_ignored(meeting, rep, sender, attendee):
    raw = reply_email(calendar_reply(ical.uid(meeting), attendee=attendee), sender=sender)
    received = mail_receive.receive(raw, owner=rep)
    assert received.message.pk  # the email is still stored
    assert not InvitationDelivery.objects.exclude(response="").exists()
    assert _bells(rep) == []


def test_someone_taken_off_the_meeting_cannot_answer_it(
    meeting, rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.update_activity(rep, meeting, {"attendee_people": []})
    mail_receive.receive(reply_email(calendar_reply(ical.uid(meeting), sequence=2)))
    assert not InvitationDelivery.objects.exclude(response="").exists()
    assert _bells(rep) == []


def _other_meeting_uid(meeting) -> str:
    return f"activity-{meeting.pk}@calendar.elsewhere.example"


@pytest.mark.parametrize(
    "calendar",
    [
        pytest.param(lambda m: b"BEGIN:VCALENDAR\r\nthis is not\r\n\x00 a calendar", id="garbage"),
        pytest.param(lambda m: calendar_reply(ical.uid(m))[:150], id="cut-off"),
        pytest.param(lambda m: calendar_reply(f"activity-999999@{ical.host()}"), id="unknown-uid"),
        pytest.param(lambda m: calendar_reply(_other_meeting_uid(m)), id="foreign-host"),
        pytest.param(lambda m: calendar_reply("no-kehu-uid-at-all"), id="odd-uid"),
        pytest.param(
            lambda m: calendar_reply(ical.uid(m)).replace(b"METHOD:REPLY", b"METHOD:REQUEST"),
            id="not-a-reply",
        ),
        pytest.param(
            lambda m: calendar_reply(ical.uid(m), partstat="NEEDS-ACTION"), id="no-answer"
        ),
        pytest.param(
            lambda m: calendar_reply(ical.uid(m)).replace(b"ATTENDEE;", b"X-ATTENDEE;"),
            id="no-attendee",
        ),
    ],
)
def test_unreadable_or_foreign_replies_change_nothing_and_stop_nothing(meeting, rep, calendar):
    raw = reply_email(calendar(meeting))
    received = mail_receive.receive(raw, owner=rep)
    assert EmailMessage.objects.filter(pk=received.message.pk).exists()
    assert received.outcome == mail_receive.MATCHED  # filed on 张伟 as any email is
    assert not InvitationDelivery.objects.exclude(response="").exists()
    assert _bells(rep) == []


def test_a_bad_sequence_is_read_as_no_sequence(meeting, rep):
    mail_receive.receive(reply_email(calendar_reply(ical.uid(meeting), sequence="x")))
    assert _answer(meeting) == Response.ACCEPTED


def test_a_reply_for_a_deleted_meeting_is_ignored(meeting, rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_activity(rep, meeting)
    received = mail_receive.receive(reply_email(calendar_reply(ical.uid(meeting), sequence=2)))
    assert received.message.pk
    assert not InvitationDelivery.objects.exclude(response="").exists()
    assert _bells(rep) == []


def test_a_meeting_purged_for_good_is_an_unknown_uid(meeting, rep):
    uid = ical.uid(meeting)
    Activity.all_objects.filter(pk=meeting.pk).delete()
    received = mail_receive.receive(reply_email(calendar_reply(uid)))
    assert received.message.pk and _bells(rep) == []


def test_an_uploaded_reply_counts_only_for_an_uploader_who_sees_the_meeting(meeting, rep, outsider):
    uid = ical.uid(meeting)
    mail_receive.receive(reply_email(calendar_reply(uid)), owner=outsider, source="upload")
    assert _answer(meeting) == ""
    mail_receive.receive(
        reply_email(calendar_reply(uid), message_id="<again@customer.example>"),
        owner=rep,
        source="upload",
    )
    assert _answer(meeting) == Response.ACCEPTED


def test_a_database_error_while_recording_does_not_lose_the_email(meeting, rep, monkeypatch):
    def broken(*args, **kwargs):
        InvitationDelivery.objects.create(
            activity=meeting, address=CUSTOMER, method="REQUEST", sequence=1
        )  # fmt: skip  (breaks the unique rule)

    monkeypatch.setattr(invitation_replies, "record_reply", broken)
    received = mail_receive.receive(reply_email(calendar_reply(ical.uid(meeting))), owner=rep)
    assert EmailMessage.objects.filter(pk=received.message.pk).exists()
    assert received.outcome == mail_receive.MATCHED


def test_replies_in_reads_one_answer_per_attendee_of_a_message():
    calendar = calendar_reply("activity-1@kehu.example", partstat="tentative")
    (reply,) = invitation_replies.replies_in(reply_email(calendar))  # part + attachment: one
    assert reply == invitation_replies.Reply(
        "activity-1@kehu.example", CUSTOMER, Response.TENTATIVE, 1
    )
    assert invitation_replies.replies_in(b"From: a@b.example\r\n\r\nplain text") == []


def test_a_reply_read_from_the_imap_mailbox(imap_server, meeting, rep, settings):
    settings.IMAP_OWNER = rep.username
    imap_server.append(reply_email(calendar_reply(ical.uid(meeting), partstat="DECLINED")))
    assert imap.poll_mailbox().stored == 1
    assert _answer(meeting) == Response.DECLINED
    assert len(_bells(rep)) == 1
