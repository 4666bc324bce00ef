"""Under the bell: one notification per mailbox fetch or upload that put mail in review."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.activities.models import Notification
from kehu.mail import imap
from kehu.mail import receiving as mail_receive
from kehu.mail.review import services as mail_review
from kehu.mail.review.notices import KIND, reviewers_of, tell_reviewers
from tests.factories import make_person, make_user
from tests.mail.mail_samples import raw_email

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def customer(rep):
    return make_person(rep, "李雷", email="li.lei@customer.example")


def _stranger(n: int) -> bytes:
    return raw_email(sender=f"s{n}@stranger.example", message_id=f"<s{n}@stranger.example>")


def _told() -> dict[str, list[tuple[str, str]]]:
    """username: [(text, url)] of the review notifications."""
    told: dict[str, list[tuple[str, str]]] = {}
    for n in Notification.objects.filter(kind=KIND).select_related("user").order_by("id"):
        told.setdefault(n.user.username, []).append((n.text, n.url))
    return told


def test_an_upload_tells_the_uploader_once_however_many_wait(client, rep, customer, manager):
    client.force_login(rep)
    files = [SimpleUploadedFile(f"{n}.eml", _stranger(n)) for n in range(3)]
    files.append(SimpleUploadedFile("known.eml", raw_email()))  # matched: not for review
    files.append(SimpleUploadedFile("photo.eml", b"\x89PNG\r\n"))  # unreadable
    assert client.post("/emails/upload/", {"files": files}).status_code == 200
    assert _told() == {"rep": [("3 emails wait for review", "/emails/review/")]}
    # the same files again: nothing new waits, nobody is told again
    again = [SimpleUploadedFile(f"{n}.eml", _stranger(n)) for n in range(3)]
    client.post("/emails/upload/", {"files": again})
    assert len(_told()["rep"]) == 1
    client.post("/emails/upload/", {"files": [SimpleUploadedFile("x.eml", _stranger(9))]})
    assert _told()["rep"][-1] == ("1 email waits for review", "/emails/review/")


def test_an_upload_with_nothing_for_review_tells_nobody(client, rep, customer):
    client.force_login(rep)
    client.post("/emails/upload/", {"files": [SimpleUploadedFile("known.eml", raw_email())]})
    assert _told() == {}


def test_a_fetch_tells_the_mailbox_owner_once(imap_server, rep, customer, teammate, settings):
    settings.IMAP_OWNER = rep.username
    imap_server.append(raw_email())  # matched
    imap_server.append(_stranger(1))
    imap_server.append(_stranger(2))
    result = imap.poll_mailbox()
    assert (result.error, result.review, result.matched) == ("", 2, 1)
    assert _told() == {"rep": [("2 emails wait for review", "/emails/review/")]}
    assert imap.poll_mailbox().uids == []  # nothing new: no second notification
    assert len(_told()["rep"]) == 1
    imap_server.append(_stranger(3))
    imap.poll_mailbox()
    assert _told()["rep"][-1][0] == "1 email waits for review"


def test_a_shared_mailbox_tells_every_reviewer_once(
    imap_server, rep, teammate, manager, outsider, readonly_user, admin_user
):
    make_user("gone", is_active=False)
    for n in range(2):
        imap_server.append(_stranger(n))
    imap.poll_mailbox()
    told = _told()
    assert sorted(told) == ["admin", "manager", "outsider", "rep", "teammate"]
    assert all(notes == [("2 emails wait for review", "/emails/review/")]
               for notes in told.values())  # fmt: skip


def test_mail_of_an_owner_who_may_not_review_goes_to_those_who_see_it(
    rep, teammate, manager, outsider, readonly_user, admin_user
):
    """Whoever is told is exactly whoever finds the message in their review list."""
    message = mail_receive.receive(_stranger(1), owner=readonly_user).message
    assert message.owner == readonly_user
    assert tell_reviewers([message]) == 2
    assert sorted(_told()) == ["admin", "manager"]  # team A's manager, and the administrator
    everyone = [rep, teammate, manager, outsider, readonly_user, admin_user]
    for user in everyone:
        in_list = mail_review.review_queue(user).filter(pk=message.pk).exists()
        assert (user in reviewers_of(readonly_user)) is in_list, user


def test_each_reviewer_is_told_how_many_of_the_batch_they_review(
    rep, teammate, manager, outsider, admin_user
):
    """Mail a colleague sent from their own mail program is theirs to review (their manager
    is not told about it, though it is in the manager's list); a shared mailbox's is everyone's."""
    teammate.email = "teammate@kehu.example"
    teammate.save()
    shared = mail_receive.receive(_stranger(1)).message
    sent = raw_email(sender="teammate@kehu.example", to="unknown@nowhere.example",
                     message_id="<sent@kehu.example>")  # fmt: skip
    theirs = mail_receive.receive(sent).message
    assert (shared.owner, theirs.owner, theirs.status) == (None, teammate, "review")
    tell_reviewers([shared, theirs])
    counts = {name: notes[0][0] for name, notes in _told().items()}
    assert counts == {
        "rep": "1 email waits for review",
        "teammate": "2 emails wait for review",
        "manager": "1 email waits for review",
        "outsider": "1 email waits for review",
        "admin": "1 email waits for review",
    }


def test_nothing_waiting_tells_nobody(rep, customer):
    matched = mail_receive.receive(raw_email(), owner=rep).message
    ignored = mail_receive.receive(_stranger(1), owner=rep).message
    mail_review.ignore_message(rep, ignored)
    ignored.refresh_from_db()
    assert tell_reviewers([]) == 0
    assert tell_reviewers([matched, ignored]) == 0
    assert not Notification.objects.exists()
