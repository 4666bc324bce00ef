"""Meeting invitations, received by a real SMTP server (aiosmtpd) and parsed back: REQUEST on
create and change (SEQUENCE going up), CANCEL on delete, nothing without email set up."""

import datetime

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.activities import services
from kehu.activities.calendar import ical
from kehu.activities.invitations import services as invitations
from kehu.activities.models import Activity
from tests.factories import make_person

pytestmark = pytest.mark.django_db
HOST = ical.host()  # of KEHU_PUBLIC_URL: the domain of event UIDs
UTC = datetime.UTC
CUSTOMER = "zhang.wei@customer.example"


@pytest.fixture
def people(rep, manager):
    rep.email, manager.email = "rep@kehu.example", "manager@kehu.example"
    rep.save()
    manager.save()
    person = make_person(rep, "张伟", email=CUSTOMER)
    silent = make_person(rep, "没有邮箱 No email")
    return person, silent


def _start() -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=5)).replace(second=0, microsecond=0)


def _plan(rep, person, attendees, start=None, **data):
    start = start or _start()
    return services.log_activity(
        rep,
        person,
        "meeting",
        {
            "subject": "季度回顾 Quarterly review",
            "at": start,
            "ends_at": start + datetime.timedelta(hours=1),
            "place": "上海办公室 Shanghai office",
            "body": "内部：客户对价格敏感 internal note",
            **attendees,
            **data,
        },
    )


def _to(message) -> str:
    return message["To"]


def _calendar(message) -> tuple[icalendar.Calendar, str]:
    """The .ics attachment parsed, and the method of the text/calendar alternative part."""
    attachment = next(p for p in message.iter_attachments() if p.get_filename())
    assert attachment.get_filename().endswith(".ics")
    cal = icalendar.Calendar.from_ical(attachment.get_content())
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    alternative = next(p for p in parts if not p.get_filename())
    assert icalendar.Calendar.from_ical(alternative.get_content())["method"]
    return cal, alternative.get_param("method")


def _event(cal):
    (event,) = cal.walk("VEVENT")
    return event


def _attendees(event) -> set[str]:
    found = event.get("attendee")
    found = found if isinstance(found, list) else [found]
    return {str(a).lower() for a in found if a is not None}


def test_attendees_get_a_request_they_can_add(smtp_server, rep, manager, people,
                                              django_capture_on_commit_callbacks):  # fmt: skip
    person, silent = people
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(rep, person, {"attendee_people": [person.pk, silent.pk],
                                      "attendee_users": [manager.pk, rep.pk]})  # fmt: skip
    # the customer and the manager; not the rep (who made it), not the person without email
    assert sorted(_to(m) for m in smtp_server.messages) == ["manager@kehu.example", CUSTOMER]
    for message in smtp_server.messages:
        cal, method = _calendar(message)
        assert str(cal["method"]) == "REQUEST" and method == "REQUEST"
        event = _event(cal)
        assert str(event["uid"]) == f"activity-{meeting.pk}@{HOST}"
        assert event["dtstart"].dt == meeting.at.astimezone(UTC)
        assert event["dtend"].dt == meeting.ends_at.astimezone(UTC)
        assert int(event["sequence"]) == meeting.version == 1
        assert str(event["location"]) == "上海办公室 Shanghai office"
        assert f"mailto:{CUSTOMER}" in _attendees(event)
        assert "mailto:manager@kehu.example" in _attendees(event)
        assert str(event["organizer"]).lower() == "mailto:rep@kehu.example"
        assert message["Reply-To"] == "rep@kehu.example"
        assert "季度回顾 Quarterly review" in message["Subject"]
    customer = next(m for m in smtp_server.messages if _to(m) == CUSTOMER)
    colleague = next(m for m in smtp_server.messages if _to(m) != CUSTOMER)
    # internal notes and links into Kehu go to colleagues only
    assert "internal note" not in customer.as_string() and "description" not in _event(
        _calendar(customer)[0]
    )
    assert "internal note" in str(_event(_calendar(colleague)[0])["description"])


def test_a_change_sends_the_next_sequence_and_delete_cancels(
    smtp_server, rep, people, django_capture_on_commit_callbacks
):
    person, _silent = people
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(rep, person, {"attendee_people": [person.pk]})
    later = meeting.at + datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.update_activity(
            rep, meeting, {"at": later, "ends_at": later + datetime.timedelta(minutes=30)}
        )
    assert len(smtp_server.messages) == 2
    cal, method = _calendar(smtp_server.messages[1])
    event = _event(cal)
    assert method == "REQUEST"
    assert int(event["sequence"]) == 2 == meeting.version
    assert event["dtstart"].dt == later.astimezone(UTC)
    assert str(event["uid"]) == f"activity-{meeting.pk}@{HOST}"
    assert smtp_server.messages[1]["Subject"].strip().startswith("Updated invitation")

    # a change attendees do not care about sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.update_activity(rep, meeting, {"remind_minutes": 15})
    assert len(smtp_server.messages) == 2

    with django_capture_on_commit_callbacks(execute=True):
        services.delete_activity(rep, meeting)
    assert len(smtp_server.messages) == 3
    cal, method = _calendar(smtp_server.messages[2])
    event = _event(cal)
    deleted = Activity.all_objects.get(pk=meeting.pk)
    assert str(cal["method"]) == "CANCEL" and method == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == f"activity-{meeting.pk}@{HOST}"
    assert int(event["sequence"]) == deleted.version > 2
    assert smtp_server.messages[2]["Subject"].strip().startswith("Cancelled")


def test_without_email_set_up_nothing_is_sent_and_nothing_fails(
    smtp_server, settings, rep, people, django_capture_on_commit_callbacks
):
    settings.EMAIL_HOST = ""
    person, _silent = people
    assert not invitations.invitations_enabled()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        meeting = _plan(rep, person, {"attendee_people": [person.pk]})
        services.delete_activity(rep, meeting)
    assert callbacks == [] and smtp_server.messages == []
    assert not invitations.will_invite(meeting, rep)


def test_will_invite_tells_the_meeting_page(smtp_server, rep, manager, people):
    person, silent = people
    meeting = _plan(rep, person, {"attendee_people": [silent.pk]})
    assert not invitations.will_invite(meeting, rep)  # nobody with an address
    meeting = _plan(rep, person, {"attendee_users": [manager.pk]})
    assert invitations.will_invite(meeting, rep)
    assert not invitations.will_invite(meeting, manager)  # the manager would be the actor


def test_a_meeting_logged_afterwards_sends_no_invitation(
    smtp_server, rep, people, django_capture_on_commit_callbacks
):
    person, _silent = people
    with django_capture_on_commit_callbacks(execute=True):
        _plan(rep, person, {"attendee_people": [person.pk]},
              start=timezone.now() - datetime.timedelta(days=1))  # fmt: skip
    assert smtp_server.messages == []


def test_a_meeting_ending_before_it_starts_is_refused_and_sends_nothing(
    smtp_server, rep, people, django_capture_on_commit_callbacks
):
    person, _silent = people
    start = _start()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as exc:
        _plan(rep, person, {"attendee_people": [person.pk]}, start=start,
              ends_at=start - datetime.timedelta(minutes=1))  # fmt: skip
    assert "ends_at" in exc.value.message_dict
    assert not Activity.objects.filter(kind="meeting").exists()
    assert smtp_server.messages == []


def test_the_smtp_server_down_does_not_break_the_meeting(
    settings, rep, people, django_capture_on_commit_callbacks
):
    from tests.smtp import _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    person, _silent = people
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(rep, person, {"attendee_people": [person.pk]})
    assert Activity.objects.filter(pk=meeting.pk).exists()
    assert invitations.send_invitations.call(meeting.pk, "REQUEST", rep.pk) == 0


def test_a_colleague_who_cannot_see_the_record_gets_no_invitation(
    rep, people, outsider, manager, smtp_server, django_capture_on_commit_callbacks
):
    person, _silent = people
    outsider.email = "outsider@kehu.example"
    outsider.save()
    with django_capture_on_commit_callbacks(execute=True):
        _plan(rep, person, {"attendee_users": [outsider.pk, manager.pk]})
    received = {_to(m) for m in smtp_server.messages}
    assert "outsider@kehu.example" not in received  # its notes and link stay internal
    assert "manager@kehu.example" in received


def test_someone_taken_off_the_meeting_gets_a_cancellation(
    smtp_server, rep, manager, people, django_capture_on_commit_callbacks
):
    person, _silent = people
    with django_capture_on_commit_callbacks(execute=True):
        meeting = _plan(
            rep, person, {"attendee_people": [person.pk], "attendee_users": [manager.pk]}
        )
    assert {_to(m) for m in smtp_server.messages} == {CUSTOMER, "manager@kehu.example"}
    smtp_server.messages.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_activity(rep, meeting, {"attendee_users": []})
    by_to = {_to(m): _calendar(m)[1] for m in smtp_server.messages}
    assert by_to["manager@kehu.example"] == "CANCEL"  # off the meeting
    assert by_to[CUSTOMER] == "REQUEST"  # still on it: the updated invitation


def test_a_read_only_users_meeting_invites_colleagues_but_emails_no_customer(
    readonly_user, rep, manager, people, smtp_server, django_capture_on_commit_callbacks
):
    """Sending email to customers needs the right to send (`mail_send.SEND_RIGHT`), and an
    invitation is an email: a read-only user may log a meeting, but only colleagues hear."""
    person, _silent = people
    with django_capture_on_commit_callbacks(execute=True):
        _plan(readonly_user, person, {"attendee_people": [person.pk],
                                      "attendee_users": [manager.pk]})  # fmt: skip
    assert [_to(m) for m in smtp_server.messages] == ["manager@kehu.example"]
