"""/api/v1/emails/review: the review list through the API, with the page's rules."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.activities.models import Activity
from kehu.core.models import AuditEntry
from kehu.customers import services
from kehu.customers.models import Person
from kehu.mail import receiving as mail_receive
from kehu.mail.models import EmailMessage
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_person
from tests.mail.mail_samples import b64_word, raw_email, with_attachments

pytestmark = pytest.mark.django_db
URL = "/api/v1/emails/review"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _waiting(owner=None, n: int = 1, **kwargs) -> EmailMessage:
    sender = kwargs.pop("sender", f"s{n}@stranger.example")
    message_id = f"<r{n}-{owner.pk if owner else 0}@stranger.example>"
    raw = raw_email(sender=sender, message_id=message_id, **kwargs)
    received = mail_receive.receive(raw, owner=owner, source="upload" if owner else "imap")
    assert received.outcome == mail_receive.REVIEW
    return received.message


def _unchanged(message: EmailMessage) -> bool:
    message.refresh_from_db()
    return message.status == "review" and message.activity_id is None


# ---------------------------------------------------------------- the list


def test_the_list_pages_newest_first_with_a_cursor(rep):
    messages = [_waiting(rep, n) for n in range(3)]
    api = bearer_client(rep)
    first = api.get(URL, {"limit": 2}).json()
    assert [m["id"] for m in first["items"]] == [messages[2].pk, messages[1].pk]
    assert first["items"][0]["status"] == "review" and first["items"][0]["owner_id"] == rep.pk
    assert first["items"][0]["from_address"] == "s2@stranger.example"
    assert first["items"][0]["activity_id"] is None and first["items"][0]["person_id"] is None
    second = api.get(URL, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [m["id"] for m in second["items"]] == [messages[0].pk]
    assert second["next_cursor"] is None


def test_each_reviewer_lists_the_mail_of_mailboxes_in_their_scope(
    rep, teammate, manager, outsider, admin_user
):
    mine = _waiting(rep, 1)
    shared = _waiting(None, 2)
    lists = {
        user.username: {m["id"] for m in bearer_client(user).get(URL).json()["items"]}
        for user in (rep, teammate, manager, outsider, admin_user)
    }
    assert lists == {
        "rep": {mine.pk, shared.pk},
        "teammate": {shared.pk},
        "manager": {mine.pk, shared.pk},
        "outsider": {shared.pk},
        "admin": {mine.pk, shared.pk},
    }


def test_read_only_users_may_not_review(readonly_user, rep):
    message = _waiting(None)
    api = bearer_client(readonly_user)
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}/{message.pk}").status_code == 403
    for action, body in [("link", {"person_id": make_person(rep).pk}), ("person", {}),
                         ("ignore", {})]:  # fmt: skip
        response = send(api, "post", f"{URL}/{message.pk}/{action}", body)
        assert response.status_code == 403, action
    assert _unchanged(message)


def test_bad_list_parameters_are_422(rep):
    api = bearer_client(rep)
    assert_validation(api.get(URL, {"cursor": "not-a-cursor"}), "cursor")
    assert_validation(api.get(URL, {"limit": 0}), "limit")
    assert_validation(api.get(URL, {"limit": 201}), "limit")


def test_the_list_costs_the_same_queries_however_long(rep):
    api = bearer_client(rep)
    files = [('filename="a.txt"', b"a"), ('filename="b.txt"', b"b")]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(URL).status_code == 200
        return len(captured)

    mail_receive.receive(with_attachments(files, sender="s@x.example"), owner=rep)
    queries()  # the first use of a token also notes when it was last used
    few = queries()
    for n in range(5):
        raw = with_attachments(files, sender=f"s{n}@x.example", message_id=f"<m{n}@x>")
        mail_receive.receive(raw, owner=rep)
    assert queries() == few
    assert len(api.get(URL).json()["items"]) == 6


# ---------------------------------------------------------------- one message


def test_one_message_with_its_attachments(rep, settings):
    settings.MAIL_MAX_ATTACHMENT_MB = 0.001  # ~1 KB: the second is listed, not kept
    raw = with_attachments([('filename="a.txt"', b"a"), ('filename="big.bin"', b"x" * 5000)],
                           sender="s@x.example")  # fmt: skip
    message = mail_receive.receive(raw, owner=rep).message
    body = bearer_client(rep).get(f"{URL}/{message.pk}").json()
    assert body["id"] == message.pk and body["subject"] == "Files"
    kept = {a["filename"]: a["kept"] for a in body["attachments"]}
    assert kept == {"a.txt": True, "big.bin": False}


def test_messages_one_may_not_review_are_404(rep, outsider, customer_of_rep):
    theirs = _waiting(rep)
    filed = mail_receive.receive(raw_email(sender="li.lei@customer.example"), owner=rep).message
    assert filed.activity_id is not None  # matched: it never was in the list
    outsider_api, api = bearer_client(outsider), bearer_client(rep)
    assert outsider_api.get(f"{URL}/{theirs.pk}").status_code == 404
    for action, body in [("link", {"person_id": make_person(outsider).pk}), ("person", {}),
                         ("ignore", {})]:  # fmt: skip
        response = send(outsider_api, "post", f"{URL}/{theirs.pk}/{action}", body)
        assert response.status_code == 404, action
        assert response.json() == {"detail": "Not found."}
    assert _unchanged(theirs)
    assert api.get(f"{URL}/{filed.pk}").status_code == 404
    assert api.get(f"{URL}/999999").status_code == 404
    assert api.get(f"{URL}/0").status_code == 422


@pytest.fixture
def customer_of_rep(rep):
    return make_person(rep, "李雷", email="li.lei@customer.example")


# ---------------------------------------------------------------- linking


def test_link_to_a_person_files_it_on_their_timeline(rep, customer_of_rep):
    message = _waiting(rep)
    api = bearer_client(rep)
    response = send(api, "post", f"{URL}/{message.pk}/link", {"person_id": customer_of_rep.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "received" and body["person_id"] == customer_of_rep.pk
    activity = Activity.objects.get(pk=body["activity_id"])
    assert activity.record == customer_of_rep and activity.owner == rep
    assert api.get(URL).json()["items"] == []
    # once filed it is no longer in the list: a second decision is a 404
    again = send(api, "post", f"{URL}/{message.pk}/ignore", {})
    assert again.status_code == 404
    read = api.get(f"/api/v1/emails/{message.pk}").json()
    assert read["person_id"] == customer_of_rep.pk


def test_link_to_someone_one_cannot_see_is_422_and_changes_nothing(rep, outsider):
    message = _waiting(rep)
    hidden = make_person(outsider, "外人", email="o@x.example")
    binned = make_person(rep, "已删除")
    services.delete_person(rep, binned)
    audit = AuditEntry.objects.count()
    api = bearer_client(rep)
    for person_id in (hidden.pk, binned.pk, 2**62):
        response = send(api, "post", f"{URL}/{message.pk}/link", {"person_id": person_id})
        errors = assert_validation(response, "person_id")
        assert errors["person_id"] == ["Choose a person you can see."]
    assert_validation(send(api, "post", f"{URL}/{message.pk}/link", {}), "person_id")
    assert_validation(
        send(api, "post", f"{URL}/{message.pk}/link", {"person_id": "张"}), "person_id"
    )
    assert_validation(
        send(api, "post", f"{URL}/{message.pk}/link", {"person_id": 1, "record": 2}), "record"
    )
    assert _unchanged(message)
    assert AuditEntry.objects.count() == audit and not Activity.objects.exists()


# ---------------------------------------------------------------- making a person


def test_a_person_is_made_from_the_sender_by_default(rep):
    sender = b64_word("韩梅梅", "gbk") + " <han@new.example>"
    message = _waiting(rep, sender=sender)
    api = bearer_client(rep)
    response = send(api, "post", f"{URL}/{message.pk}/person", {})
    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(pk=body["person_id"])
    assert (person.name, person.email, person.owner) == ("韩梅梅", "han@new.example", rep)
    assert body["status"] == "received" and body["activity_id"] is not None
    assert Activity.objects.get(pk=body["activity_id"]).record == person
    # the next mail from her is filed without review
    later = raw_email(sender="han@new.example", message_id="<later@new.example>")
    assert mail_receive.receive(later, owner=rep).outcome == "matched"


def test_the_reviewer_names_the_new_person(rep):
    message = _waiting(rep, sender="someone@new.example")
    response = send(bearer_client(rep), "post", f"{URL}/{message.pk}/person",
                    {"name": "  王芳 ", "email": "wang.fang@new.example"})  # fmt: skip
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["person_id"])
    assert (person.name, person.email) == ("王芳", "wang.fang@new.example")


def test_a_bad_person_is_422_and_saves_nothing(rep):
    message = _waiting(rep)
    api = bearer_client(rep)
    audit = AuditEntry.objects.count()
    url = f"{URL}/{message.pk}/person"
    assert_validation(send(api, "post", url, {"email": "not-an-address"}), "email")
    assert_validation(send(api, "post", url, {"name": ""}), "name")
    assert_validation(send(api, "post", url, {"name": "名" * 151}), "name")
    assert_validation(send(api, "post", url, {"name": "王芳", "phone": "1"}), "phone")
    assert_validation(send(api, "post", url, {"name": "nul\x00"}), "name")
    assert _unchanged(message)
    assert not Person.all_objects.exists() and not Activity.all_objects.exists()
    assert AuditEntry.objects.count() == audit


# ---------------------------------------------------------------- ignoring


def test_ignoring_takes_it_off_the_list_and_files_it_nowhere(rep):
    message = _waiting(rep)
    api = bearer_client(rep)
    response = send(api, "post", f"{URL}/{message.pk}/ignore", {})
    assert response.status_code == 200
    assert response.json()["status"] == "ignored" and response.json()["activity_id"] is None
    assert api.get(URL).json()["items"] == []
    assert not Activity.all_objects.exists()
    assert EmailMessage.objects.get(pk=message.pk).status == "ignored"  # still stored
    assert send(api, "post", f"{URL}/{message.pk}/ignore", {}).status_code == 404


def test_the_session_needs_its_csrf_token(client, rep):
    message = _waiting(rep)
    client.force_login(rep)
    assert client.get(URL).status_code == 200
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(rep)
    response = csrf_client.post(f"{URL}/{message.pk}/ignore", "{}", content_type="application/json")
    assert response.status_code == 403
    assert _unchanged(message)
