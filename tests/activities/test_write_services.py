"""The smaller activities writes (calendar feeds, email templates and signatures, review
decisions, read marks) leave an audit entry and send an event, like the record services."""

import contextlib

import pytest

from kehu.activities.calendar import services as calendar
from kehu.activities.models import CalendarFeed
from kehu.activities.notifications import services as notifications
from kehu.core import audit, events
from kehu.mail import receiving as mail_receive
from kehu.mail import templating as mail_templates
from kehu.mail.models import EmailTemplate
from kehu.mail.review import services as mail_review
from tests.mail.mail_samples import raw_email

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def sent(*names: str):
    """The events named `names` emitted inside the block, in order."""
    seen: list[dict] = []

    def handler(**event):
        seen.append(event)

    for name in names:
        events.subscribe(name)(handler)
    try:
        yield seen
    finally:
        for name in names:
            events._handlers[name].remove(handler)


def test_issuing_and_revoking_a_calendar_feed_is_recorded(rep):
    with sent("calendar_feed.issued", "calendar_feed.revoked") as seen:
        first, _secret = calendar.issue_feed(rep)
        second, _secret = calendar.issue_feed(rep)  # stops the first
        assert calendar.revoke_feeds(rep) == 1
        assert calendar.revoke_feeds(rep) == 0
    assert [(e["event"], e["feed"].pk) for e in seen] == [
        ("calendar_feed.issued", first.pk),
        ("calendar_feed.revoked", first.pk),
        ("calendar_feed.issued", second.pk),
        ("calendar_feed.revoked", second.pk),
    ]
    assert not CalendarFeed.objects.filter(revoked_at__isnull=True).exists()
    for feed in (first, second):
        entries = list(audit.history(feed))
        assert [e.action for e in entries] == ["update", "create"]
        assert entries[0].actor == rep and entries[0].changes["revoked_at"][0] is None
        assert entries[1].changes == {"prefix": [None, feed.prefix]}


def test_template_saves_and_deletes_send_events(admin_user):
    data = {"name": "问候", "subject": "您好", "body": "{{ person.name }}，您好", "active": True}
    names = ("email_template.created", "email_template.updated", "email_template.deleted")
    with sent(*names) as seen:
        template = mail_templates.save_template(admin_user, None, data)
        mail_templates.save_template(admin_user, template, {**data, "subject": "你好"})
        mail_templates.save_template(admin_user, template, {**data, "subject": "你好"})  # same
        mail_templates.delete_template(admin_user, template)
    assert [e["event"] for e in seen] == list(names)
    assert seen[1]["changes"] == {"subject": ["您好", "你好"]}
    assert not EmailTemplate.objects.exists()


def test_a_signature_change_is_audited_once_per_change(rep):
    with sent("email_signature.updated") as seen:
        signature = mail_templates.save_signature(rep, "李小红")
        mail_templates.save_signature(rep, "李小红")  # unchanged: nothing to record
        mail_templates.save_signature(rep, "李小红 · 销售")
    assert [e["changes"] for e in seen] == [
        {"text": [None, "李小红"]},
        {"text": ["李小红", "李小红 · 销售"]},
    ]
    assert [e.action for e in audit.history(signature)] == ["update", "create"]
    signature.refresh_from_db()
    assert signature.text == "李小红 · 销售"


def test_ignoring_a_message_in_review_is_audited(rep, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    message = mail_receive.receive(
        raw_email(sender="s1@stranger.example", message_id="<s1@stranger.example>"), owner=rep
    ).message
    assert message.status == "review"
    with sent("email.ignored") as seen:
        mail_review.ignore_message(rep, message)
    assert [e["changes"] for e in seen] == [{"status": ["review", "ignored"]}]
    entry = audit.history(message).get()
    assert entry.actor == rep and entry.changes == {"status": ["review", "ignored"]}


def test_read_marks_send_one_event_when_something_was_unread(rep):
    first = notifications.notify(rep, "test", "一")
    notifications.notify(rep, "test", "二")
    with sent("notifications.read") as seen:
        assert notifications.mark_read(rep, [first.pk]) == 1
        assert notifications.mark_read(rep) == 1
        assert notifications.mark_read(rep) == 0
    assert [(e["ids"], e["count"]) for e in seen] == [([first.pk], 1), (None, 1)]


def test_sharing_or_hiding_an_email_is_an_update_like_any_other(rep):
    from kehu.activities.services import log_activity, set_private
    from tests.factories import make_person

    customer = make_person(rep, "李雷")
    email = log_activity(rep, customer, "email", {"subject": "报价 Quote"})
    with sent("activity.updated") as seen:
        email = set_private(rep, email, True)
        set_private(rep, email, True)  # no change: nothing to announce
    assert [(e["activity"].pk, e["changes"]["private"]) for e in seen] == [
        (email.pk, [False, True])
    ]
    assert email.version == 2 and audit.history(email).first().changes["private"] == [False, True]
