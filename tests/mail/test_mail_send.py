"""Sending email to a person: a real SMTP server (aiosmtpd) receives what Kehu sends."""

import email
import email.policy

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import Http404

from kehu.activities import timeline
from kehu.activities.models import Activity, Notification
from kehu.mail import sending as mail_send
from kehu.mail import templating as mail_templates
from kehu.mail.models import EmailAttachment, EmailMessage, EmailTemplate
from tests.factories import make_company, make_person
from tests.smtp import _free_port

SUBJECT = "关于 2027 年框架协议的报价"
BODY = "张总您好：\n\n附上我们的最新报价，请查收。\n价格含税 13%。\n\n祝好"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.PUBLIC_URL = "https://crm.example.cn"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def person(rep):
    company = make_company(rep, "云山科技有限公司")
    return make_person(rep, "张伟", email="zhang.wei@yunshan.example", company=company.pk)


def counts() -> tuple[int, int]:
    return Activity.all_objects.count(), EmailMessage.objects.count()


def test_an_email_reaches_the_smtp_server_in_chinese_with_the_signature(
    rep, person, smtp_server, on_commit
):
    rep.first_name, rep.email = "小红", "xiaohong@kehu.example"
    rep.save()
    mail_templates.save_signature(rep, "李小红\n销售经理 · 电话 010-12345678")
    with on_commit():
        message = mail_send.send_email(rep, person, SUBJECT, BODY, cc=["boss@yunshan.example"])
    (received,) = smtp_server.messages
    assert received["To"] == "zhang.wei@yunshan.example"
    assert received["Cc"] == "boss@yunshan.example"
    assert received["Subject"] == SUBJECT
    assert received["Reply-To"] == "xiaohong@kehu.example"
    assert received["From"].addresses[0].addr_spec == "kehu@localhost"
    assert received["Message-ID"] == message.message_id
    assert message.message_id.endswith("@crm.example.cn>")
    text = received.get_content()
    assert text.replace("\r\n", "\n").rstrip("\n") == (
        BODY + "\n\n-- \n李小红\n销售经理 · 电话 010-12345678"
    )
    message.refresh_from_db()
    assert message.status == "sent" and message.error == ""
    assert message.thread_key == message.message_id
    assert message.to == ["zhang.wei@yunshan.example"] and message.cc == ["boss@yunshan.example"]
    # the message is kept byte for byte, and reads back the same
    kept = email.message_from_bytes(message.raw.read(), policy=email.policy.default)
    assert kept["Message-ID"] == message.message_id and kept["Subject"] == SUBJECT
    # and it is on the person's timeline, as an email activity
    activity = message.activity
    assert activity.kind == "email" and activity.record == person and activity.owner == rep
    assert activity.subject == SUBJECT and not activity.private
    items = timeline.page(person, user=rep).items
    assert [i.obj for i in items if i.kind == "activity"] == [activity]


def test_a_template_fills_the_email_and_its_placeholders(admin_user, rep, person, smtp_server,
                                                         on_commit):  # fmt: skip
    rep.first_name, rep.last_name = "Anna", "Schmidt"
    rep.save()
    template = mail_templates.save_template(
        admin_user,
        None,
        {
            "name": "跟进 Follow-up",
            "subject": "{{ company.name }}：跟进 / follow-up",
            "body": "{{person.first_name}}，您好！\n{{ person.name }} ({{ person.title }})\n"
            "{{ user.name }}\n{{ user.signature }}",
        },
    )
    mail_templates.save_signature(rep, "Anna · Kehu")
    with on_commit():
        message = mail_send.send_email(rep, person, "", "", template=template.pk)
    (received,) = smtp_server.messages
    # a long encoded subject is folded onto a second line; Python's parser keeps the fold's space
    assert received["Subject"].strip() == "云山科技有限公司：跟进 / follow-up"
    text = received.get_content().replace("\r\n", "\n")
    # a Chinese name is greeted in full; the signature placeholder is not added twice
    assert text.startswith("张伟，您好！\n张伟 ()\nAnna Schmidt\nAnna · Kehu")
    assert "-- \n" not in text
    assert message.activity.body.startswith("张伟，您好！")


def test_user_names_sign_chinese_names_family_name_first(rep):
    rep.first_name, rep.last_name = "娜", "李"
    assert mail_templates.user_name(rep) == "李娜"
    rep.first_name, rep.last_name = "Anna", "Schmidt"
    assert mail_templates.user_name(rep) == "Anna Schmidt"
    rep.first_name = rep.last_name = ""
    assert mail_templates.user_name(rep) == "rep"


def test_first_names():
    assert mail_templates.first_name("张伟") == "张伟"
    assert mail_templates.first_name("欧阳 修") == "欧阳 修"
    assert mail_templates.first_name("Anna Schmidt") == "Anna"
    assert mail_templates.first_name("Schmidt, Anna") == "Anna"
    assert mail_templates.first_name("") == ""


def test_unknown_placeholders_are_refused_and_nothing_is_saved(admin_user, rep, person,
                                                               smtp_server):  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        mail_templates.save_template(
            admin_user,
            None,
            {"name": "坏的", "subject": "{{ person.nmae }}", "body": "{{ settings.SECRET_KEY }}"},
        )
    assert set(caught.value.message_dict) == {"subject", "body"}
    assert "{{ person.nmae }}" in caught.value.message_dict["subject"][0]
    assert not EmailTemplate.objects.exists()
    before = counts()
    with pytest.raises(ValidationError) as caught:
        mail_send.send_email(rep, person, "你好", "{{ user.password }}")
    assert list(caught.value.message_dict) == ["body"]
    assert counts() == before and not smtp_server.messages


def test_template_text_is_never_run_as_a_django_template(admin_user, rep, person, smtp_server,
                                                         on_commit):  # fmt: skip
    body = "{% load static %}{% debug %} {{ person.name }} {# not a comment #}"
    template = mail_templates.save_template(
        admin_user, None, {"name": "literal", "subject": "Hi", "body": body}
    )
    with on_commit():
        mail_send.send_email(rep, person, "", "", template=template)
    (received,) = smtp_server.messages
    assert received.get_content().strip() == (
        "{% load static %}{% debug %} 张伟 {# not a comment #}"
    )


def test_bad_input_gets_field_errors_and_saves_nothing(rep, person, smtp_server):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        mail_send.send_email(
            rep, person, "第一行\nBcc: evil@example.com", "", cc=["not an address", "ok@x.cn"]
        )
    errors = caught.value.message_dict
    assert set(errors) == {"subject", "body", "cc"}
    assert "not an address" in errors["cc"][0]
    with pytest.raises(ValidationError) as caught:
        mail_send.send_email(rep, person, "x" * 201, "y" * 10_001)
    assert set(caught.value.message_dict) == {"subject", "body"}
    with pytest.raises(ValidationError) as caught:
        mail_send.send_email(rep, person, "Hi", "Hello", template=999999)
    assert set(caught.value.message_dict) == {"template"}
    assert counts() == before and not smtp_server.messages


def test_a_person_without_an_email_address_is_refused(rep, smtp_server):
    nobody = make_person(rep, "王芳")
    before = counts()
    with pytest.raises(ValidationError) as caught:
        mail_send.send_email(rep, nobody, "你好", "在吗？")
    assert "王芳 has no email address." in caught.value.message_dict["to"]
    assert counts() == before


def test_without_an_smtp_server_sending_says_email_is_not_set_up(rep, person, settings):
    settings.EMAIL_HOST = ""
    before = counts()
    with pytest.raises(mail_send.EmailNotConfigured) as caught:
        mail_send.send_email(rep, person, "你好", "在吗？")
    assert "ask an administrator" in caught.value.messages[0]
    assert counts() == before


def test_an_outsider_cannot_email_a_person_they_cannot_see(outsider, teammate, person,
                                                           smtp_server):  # fmt: skip
    for user in (outsider, teammate):
        with pytest.raises(Http404):
            mail_send.send_email(user, person, "你好", "在吗？")
    assert counts() == (0, 0) and not smtp_server.messages


def test_a_mail_server_that_is_down_fails_the_email_and_a_retry_sends_it_once(
    rep, person, settings, on_commit
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    with on_commit():
        message = mail_send.send_email(rep, person, SUBJECT, BODY)
    message.refresh_from_db()
    assert message.status == "failed"
    assert "refused" in message.error.lower() or "connection" in message.error.lower()
    assert message.activity.subject == SUBJECT and message.text.startswith(BODY)  # nothing lost
    (told,) = Notification.objects.filter(user=rep, kind="email_failed")
    assert SUBJECT in told.text and told.url == person.get_absolute_url()
    # the worker running the task again does not send a failed email on its own
    mail_send.deliver_email.call(message.pk)
    message.refresh_from_db()
    assert message.status == "failed"

    # later the server is up again: a retry sends it, once
    from tests.smtp import RecordingSMTPServer

    server = RecordingSMTPServer()
    server.start()
    try:
        settings.EMAIL_PORT = server.port
        with on_commit():
            mail_send.retry_email(rep, message)
        with on_commit():
            mail_send.retry_email(rep, message)  # a second click: already sent
        mail_send.deliver_email.call(message.pk)  # the task run twice: still once
        assert len(server.messages) == 1
        assert server.messages[0]["Message-ID"] == message.message_id
        assert server.messages[0]["Subject"] == SUBJECT
    finally:
        server.stop()
    message.refresh_from_db()
    assert message.status == "sent" and message.error == ""
    # the retry is in the message's history, once
    from kehu.core import audit

    (retried,) = audit.history(message).filter(action="update")
    assert retried.actor == rep and retried.changes == {"status": ["failed", "queued"]}


def test_only_the_sender_may_send_a_failed_email_again(rep, manager, person, settings, on_commit):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    with on_commit():
        message = mail_send.send_email(rep, person, "你好", "在吗？")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        mail_send.retry_email(manager, message)


def test_a_reply_continues_the_conversation(rep, person, smtp_server, on_commit):
    with on_commit():
        first = mail_send.send_email(rep, person, "报价", "请看附件")
    with on_commit():
        second = mail_send.send_email(rep, person, "Re: 报价", "补充一点", in_reply_to=first)
    with on_commit():
        third = mail_send.send_email(rep, person, "Re: 报价", "再补充", in_reply_to=second.pk)
    received = smtp_server.messages
    assert received[1]["In-Reply-To"] == first.message_id
    assert received[1]["References"] == first.message_id
    assert received[2]["In-Reply-To"] == second.message_id
    assert received[2]["References"] == f"{first.message_id} {second.message_id}"
    assert first.thread_key == second.thread_key == third.thread_key == first.message_id


def test_a_reply_to_an_email_one_cannot_see_is_refused(rep, outsider, person, smtp_server,
                                                       on_commit):  # fmt: skip
    theirs = make_person(outsider, "赵敏", email="zhao@example.cn")
    with on_commit():
        hidden = mail_send.send_email(outsider, theirs, "秘密", "别外传", private=True)
    with pytest.raises(ValidationError) as caught:
        mail_send.send_email(rep, person, "Re: 秘密", "?", in_reply_to=hidden.pk)
    assert list(caught.value.message_dict) == ["in_reply_to"]


def test_a_private_email_is_seen_by_its_owner_only(rep, manager, person, smtp_server, on_commit):
    with on_commit():
        message = mail_send.send_email(rep, person, "私人邮件", "只给你看", private=True)
    activity = message.activity
    assert activity.private
    own = [i.obj for i in timeline.page(person, user=rep).items if i.kind == "activity"]
    assert own == [activity]
    # the manager sees the person (and the rest of the timeline), not the private email
    assert activity.record in type(person).objects.visible_to(manager)
    theirs = [i.obj for i in timeline.page(person, user=manager).items if i.kind == "activity"]
    assert theirs == []
    assert not Activity.objects.visible_to(manager).filter(pk=activity.pk).exists()


def test_attachments_download_only_for_those_who_see_the_email(client, rep, teammate, manager,
                                                               person, smtp_server,
                                                               on_commit):  # fmt: skip
    with on_commit():
        message = mail_send.send_email(rep, person, "合同", "见附件")
    attachment = EmailAttachment(message=message, filename="合同 2027.pdf", size=4,
                                 content_type="application/pdf")  # fmt: skip
    attachment.file.save("a.pdf", ContentFile(b"%PDF"), save=True)
    url = f"/emails/attachments/{attachment.pk}/"
    for user, expected in ((rep, 200), (manager, 200), (teammate, 404)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected, user
        if expected == 200:
            assert b"".join(response.streaming_content) == b"%PDF"
            assert "attachment;" in response["Content-Disposition"]
    activity = message.activity
    activity.private = True
    activity.save()
    client.force_login(manager)
    assert client.get(url).status_code == 404


def test_an_email_stuck_in_sending_is_failed_and_its_sender_told(rep, person, smtp_server):
    import datetime

    from django.utils import timezone

    message = mail_send.send_email(rep, person, "报价", "您好")
    EmailMessage.objects.filter(pk=message.pk).update(
        status="queued", created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert mail_send.fail_stale_queued() == 1
    message.refresh_from_db()
    assert message.status == "failed" and "interrupted" in message.error
    assert Notification.objects.filter(user=rep, kind="email_failed").exists()
    assert mail_send.fail_stale_queued() == 0  # once


def test_an_email_still_waiting_for_a_worker_is_not_failed(rep, person, settings, smtp_server):
    """With the database queue, "sending" for a long time is not enough: an email whose task
    waits for a worker (all were down) is sent when one starts; one whose task is gone (its
    worker was killed and the run marked failed) is failed."""
    import datetime

    from django.utils import timezone

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    waiting = mail_send.send_email(rep, person, "报价", "您好")
    lost = mail_send.send_email(rep, person, "合同", "您好")
    mail_send.deliver_email.enqueue(waiting.pk)  # the task that waits for a worker
    EmailMessage.objects.filter(pk__in=[waiting.pk, lost.pk]).update(
        status="queued", created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert mail_send.fail_stale_queued() == 1
    waiting.refresh_from_db()
    lost.refresh_from_db()
    assert (waiting.status, lost.status) == ("queued", "failed")
