"""/api/v1/emails and /api/v1/email-templates."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.activities.models import Activity
from kehu.mail import sending as mail_send
from kehu.mail import templating as mail_templates
from kehu.mail.models import EmailAttachment, EmailMessage, EmailTemplate
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_person


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def person(rep):
    return make_person(rep, "张伟", email="zhang.wei@yunshan.example")


def test_send_an_email_and_read_it_back(rep, person, smtp_server, on_commit):
    api = bearer_client(rep)
    with on_commit():
        response = send(api, "post", "/api/v1/emails", {
            "person_id": person.pk, "subject": "你好", "body": "您好，{{ person.name }}！",
            "cc": ["boss@yunshan.example"]})  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued"  # as it was answered; the task ran after the commit
    assert body["person_id"] == person.pk and body["record_type"] == "person"
    assert body["to"] == ["zhang.wei@yunshan.example"] and body["cc"] == ["boss@yunshan.example"]
    assert body["text"] == "您好，张伟！" and body["direction"] == "out"
    (received,) = smtp_server.messages
    assert received["Message-ID"] == body["message_id"]
    read = api.get(f"/api/v1/emails/{body['id']}").json()
    assert read["status"] == "sent" and read["thread_key"] == body["message_id"]
    listed = api.get("/api/v1/emails", {"person": person.pk}).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert api.get("/api/v1/emails", {"direction": "in"}).json()["items"] == []
    thread = api.get("/api/v1/emails", {"thread": body["message_id"]}).json()
    assert [item["id"] for item in thread["items"]] == [body["id"]]


def test_bad_input_is_422_with_field_errors_and_saves_nothing(rep, person, smtp_server):
    api = bearer_client(rep)
    response = send(api, "post", "/api/v1/emails", {
        "person_id": person.pk, "subject": "一\n二", "body": "{{ nope }}",
        "cc": ["not-an-address"]})  # fmt: skip
    errors = assert_validation(response, "subject", "body", "cc")
    assert "{{ nope }}" in errors["body"][0]
    nobody = make_person(rep, "王芳")
    response = send(api, "post", "/api/v1/emails", {"person_id": nobody.pk, "subject": "你好",
                                                    "body": "在吗"})  # fmt: skip
    assert_validation(response, "to")
    response = send(api, "post", "/api/v1/emails", {"person_id": person.pk, "unknown": 1})
    assert_validation(response, "unknown")
    assert not Activity.all_objects.exists() and not EmailMessage.objects.exists()


def test_without_email_set_up_sending_is_409(rep, person, settings):
    settings.EMAIL_HOST = ""
    response = send(bearer_client(rep), "post", "/api/v1/emails",
                    {"person_id": person.pk, "subject": "你好", "body": "在吗"})  # fmt: skip
    assert response.status_code == 409
    assert "ask an administrator" in response.json()["detail"]
    assert not EmailMessage.objects.exists()


def test_people_one_cannot_see_are_404(outsider, person, smtp_server):
    response = send(bearer_client(outsider), "post", "/api/v1/emails",
                    {"person_id": person.pk, "subject": "你好", "body": "在吗"})  # fmt: skip
    assert response.status_code == 404 and not EmailMessage.objects.exists()


def test_a_private_email_is_listed_for_its_owner_only(rep, manager, teammate, person,
                                                      smtp_server, on_commit):  # fmt: skip
    with on_commit():
        shared = mail_send.send_email(rep, person, "公开", "大家可见")
        private = mail_send.send_email(rep, person, "私人", "只给我", private=True)
    ids = {
        user.username: [i["id"] for i in bearer_client(user).get("/api/v1/emails").json()["items"]]
        for user in (rep, manager, teammate)
    }
    assert ids == {"rep": [private.pk, shared.pk], "manager": [shared.pk], "teammate": []}
    assert bearer_client(manager).get(f"/api/v1/emails/{private.pk}").status_code == 404
    assert bearer_client(teammate).get(f"/api/v1/emails/{shared.pk}").status_code == 404
    own = bearer_client(rep).get(f"/api/v1/emails/{private.pk}").json()
    assert own["private"] is True


def test_the_list_costs_the_same_whatever_its_length(rep, person, smtp_server, on_commit):
    api = bearer_client(rep)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/emails").status_code == 200
        return len(captured)

    with on_commit():
        message = mail_send.send_email(rep, person, "一", "1")
    EmailAttachment.objects.create(message=message, filename="a.txt", file="x/a.txt", size=1)
    queries()  # warms the content-type cache
    one = queries()
    with on_commit():
        for n in range(5):
            sent = mail_send.send_email(rep, person, f"第 {n} 封", "正文")
            EmailAttachment.objects.create(message=sent, filename="b.txt", file="x/b.txt", size=1)
    assert queries() == one


def test_retry_is_for_the_sender(rep, manager, person, settings, on_commit):
    from tests.smtp import RecordingSMTPServer, _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    with on_commit():
        message = mail_send.send_email(rep, person, "你好", "在吗")
    assert bearer_client(rep).get(f"/api/v1/emails/{message.pk}").json()["status"] == "failed"
    assert (
        send(bearer_client(manager), "post", f"/api/v1/emails/{message.pk}/retry").status_code
        == 403
    )
    server = RecordingSMTPServer()
    server.start()
    try:
        settings.EMAIL_PORT = server.port
        with on_commit():
            response = send(bearer_client(rep), "post", f"/api/v1/emails/{message.pk}/retry")
        assert response.status_code == 200, response.content
        assert len(server.messages) == 1
    finally:
        server.stop()
    assert bearer_client(rep).get(f"/api/v1/emails/{message.pk}").json()["status"] == "sent"


def test_templates_are_read_by_everyone_and_kept_by_administrators(admin_user, rep):
    admin, api = bearer_client(admin_user), bearer_client(rep)
    payload = {"name": "问候", "subject": "{{ person.name }} 您好", "body": "正文"}
    assert send(api, "post", "/api/v1/email-templates", payload).status_code == 403
    response = send(admin, "post", "/api/v1/email-templates", payload)
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert [t["name"] for t in api.get("/api/v1/email-templates").json()["items"]] == ["问候"]
    assert api.get(f"/api/v1/email-templates/{pk}").json()["subject"] == "{{ person.name }} 您好"
    bad = send(admin, "patch", f"/api/v1/email-templates/{pk}", {"body": "{{ user.password }}"})
    assert_validation(bad, "body")
    assert send(api, "patch", f"/api/v1/email-templates/{pk}", {"active": False}).status_code == 403
    changed = send(admin, "patch", f"/api/v1/email-templates/{pk}", {"active": False})
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert api.get("/api/v1/email-templates", {"active": True}).json()["items"] == []
    assert send(admin, "post", "/api/v1/email-templates", payload).status_code == 422  # same name
    assert send(api, "delete", f"/api/v1/email-templates/{pk}").status_code == 403
    assert send(admin, "delete", f"/api/v1/email-templates/{pk}").status_code == 204
    assert not EmailTemplate.objects.exists()
    assert api.get(f"/api/v1/email-templates/{pk}").status_code == 404


def test_sending_with_a_template_over_the_api(admin_user, rep, person, smtp_server, on_commit):
    template = mail_templates.save_template(
        admin_user, None, {"name": "问候", "subject": "{{ person.name }} 您好", "body": "正文"}
    )
    with on_commit():
        response = send(bearer_client(rep), "post", "/api/v1/emails",
                        {"person_id": person.pk, "template_id": template.pk})  # fmt: skip
    assert response.status_code == 201, response.content
    assert smtp_server.messages[0]["Subject"] == "张伟 您好"
