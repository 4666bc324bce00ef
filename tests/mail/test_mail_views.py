"""The pages for sending email: writing to a person, templates, the signature."""

import pytest

from kehu.activities.models import Activity
from kehu.mail import sending as mail_send
from kehu.mail import templating as mail_templates
from kehu.mail.models import EmailMessage, EmailSignature, EmailTemplate
from tests.factories import make_company, make_person


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def person(rep):
    company = make_company(rep, "云山科技有限公司")
    return make_person(rep, "张伟", email="zhang.wei@yunshan.example", company=company.pk)


@pytest.fixture
def template(admin_user):
    return mail_templates.save_template(
        admin_user,
        None,
        {
            "name": "问候",
            "subject": "{{ company.name }} 您好",
            "body": "{{ person.name }}：\n您好！",
        },
    )


def test_the_person_page_offers_send_email(client, rep, person):
    client.force_login(rep)
    page = client.get(person.get_absolute_url()).content.decode()
    assert f'href="/people/{person.pk}/email/"' in page


def test_write_from_a_template_and_send(client, rep, person, template, smtp_server, on_commit):
    client.force_login(rep)
    url = f"/people/{person.pk}/email/"
    page = client.get(url, {"template": template.pk}).content.decode()
    assert 'value="云山科技有限公司 您好"' in page  # filled in on the server
    assert "张伟：\n您好！</textarea>" in page
    with on_commit():
        response = client.post(
            url,
            {"subject": "云山科技有限公司 您好", "body": "<b>张伟</b>：\n您好！", "private": "on"},
        )
    assert response.status_code == 302 and response["Location"] == person.get_absolute_url()
    (received,) = smtp_server.messages
    assert received["Subject"] == "云山科技有限公司 您好"
    message = EmailMessage.objects.get()
    assert message.activity.private and message.status == "sent"
    # on the person's timeline: escaped, with its status
    page = client.get(person.get_absolute_url()).content.decode()
    assert "&lt;b&gt;张伟&lt;/b&gt;：\n您好！" in page
    assert "zhang.wei@yunshan.example" in page


def test_errors_are_shown_and_nothing_is_sent(client, rep, person, smtp_server):
    client.force_login(rep)
    response = client.post(f"/people/{person.pk}/email/", {"subject": "你好", "body": "{{ oops }}",
                                                            "cc": "bad"})  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert (
        "Unknown placeholder {{ oops }}" in page and "“bad” is not a valid email address." in page
    )
    assert not Activity.all_objects.exists() and not smtp_server.messages


def test_without_email_set_up_the_page_says_so(client, rep, person, settings):
    settings.EMAIL_HOST = ""
    client.force_login(rep)
    page = client.get(f"/people/{person.pk}/email/").content.decode()
    assert "Email is not set up" in page and "<textarea" not in page
    response = client.post(f"/people/{person.pk}/email/", {"subject": "你好", "body": "在吗"})
    assert response.status_code == 400 and not Activity.all_objects.exists()


def test_others_cannot_open_the_writing_page(client, teammate, outsider, person):
    for user in (teammate, outsider):
        client.force_login(user)
        assert client.get(f"/people/{person.pk}/email/").status_code == 404


def test_a_failed_email_shows_its_error_and_can_be_sent_again(client, rep, person, settings,
                                                              on_commit):  # fmt: skip
    from tests.smtp import RecordingSMTPServer, _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    with on_commit():
        message = mail_send.send_email(rep, person, "报价", "请查收")
    client.force_login(rep)
    page = client.get(person.get_absolute_url()).content.decode()
    assert "failed" in page and f"/emails/{message.pk}/retry/" in page
    server = RecordingSMTPServer()
    server.start()
    try:
        settings.EMAIL_PORT = server.port
        with on_commit():
            response = client.post(f"/emails/{message.pk}/retry/")
        assert response.status_code == 302
        assert len(server.messages) == 1
    finally:
        server.stop()
    message.refresh_from_db()
    assert message.status == "sent"


def test_reply_opens_the_writing_page_for_the_conversation(client, rep, person, smtp_server,
                                                           on_commit):  # fmt: skip
    with on_commit():
        first = mail_send.send_email(rep, person, "报价", "请查收")
    client.force_login(rep)
    response = client.get(f"/emails/{first.pk}/reply/")
    assert response["Location"] == f"/people/{person.pk}/email/?reply={first.pk}"
    page = client.get(response["Location"]).content.decode()
    assert 'value="Re: 报价"' in page and f'name="in_reply_to" value="{first.pk}"' in page
    with on_commit():
        client.post(response["Location"], {"subject": "Re: 报价", "body": "补充",
                                           "in_reply_to": first.pk})  # fmt: skip
    second = EmailMessage.objects.exclude(pk=first.pk).get()
    assert second.in_reply_to == first.message_id and second.thread_key == first.message_id


def test_signature_is_edited_on_the_profile(client, rep):
    client.force_login(rep)
    page = client.get("/profile/").content.decode()
    assert 'action="/profile/signature/"' in page
    response = client.post("/profile/signature/", {"text": "李小红\r\n销售经理"})
    assert response.status_code == 302
    assert EmailSignature.objects.get(user=rep).text == "李小红\n销售经理"
    assert "李小红\n销售经理</textarea>" in client.get("/profile/").content.decode()
    response = client.post("/profile/signature/", {"text": "{{ person.name }}"})
    assert response.status_code == 400
    assert EmailSignature.objects.get(user=rep).text == "李小红\n销售经理"


def test_administrators_keep_the_templates(client, admin_user, rep, template):
    client.force_login(rep)
    assert client.get("/settings/email-templates/").status_code == 403
    assert client.post("/settings/email-templates/new/", {"name": "x"}).status_code == 403
    client.force_login(admin_user)
    assert "问候" in client.get("/settings/email-templates/").content.decode()
    response = client.post(
        "/settings/email-templates/new/",
        {"name": "坏", "subject": "Hi {{ person.nam }}", "body": "x", "active": "on"},
    )
    assert response.status_code == 400 and "Unknown placeholder" in response.content.decode()
    response = client.post(
        f"/settings/email-templates/{template.pk}/",
        {"name": "问候 2", "subject": "{{ person.name }} 您好", "body": "正文", "active": ""},
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.name, template.active) == ("问候 2", False)
    response = client.post(f"/settings/email-templates/{template.pk}/delete/")
    assert response.status_code == 302 and not EmailTemplate.objects.exists()


def test_inactive_templates_are_not_offered(client, admin_user, rep, person, template):
    mail_templates.save_template(admin_user, template, {"active": False})
    client.force_login(rep)
    page = client.get(f"/people/{person.pk}/email/", {"template": template.pk}).content.decode()
    assert "问候" not in page


def test_a_binned_email_is_restored_from_its_own_page(client, rep, readonly_user, person,
                                                       smtp_server, on_commit):  # fmt: skip
    """An email is never edited, yet its owner may bring it back from its page, as from the
    recycle bin; someone who may not restore it is not offered the button."""
    from kehu.activities import services

    with on_commit():
        message = mail_send.send_email(rep, person, "报价", "请查收")
    activity = message.activity
    services.delete_activity(rep, activity)
    restore = f'action="/activities/{activity.pk}/restore/"'
    client.force_login(readonly_user)
    response = client.get(f"/activities/{activity.pk}/")
    assert response.status_code == 404 or restore not in response.content.decode()
    client.force_login(rep)
    assert restore in client.get(f"/activities/{activity.pk}/").content.decode()
    response = client.post(f"/activities/{activity.pk}/restore/")
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.deleted_at is None


def test_an_email_has_a_page_of_its_own(client, rep, person, smtp_server, on_commit):
    with on_commit():
        message = mail_send.send_email(rep, person, "报价 <b>", "请查收")
    client.force_login(rep)
    response = client.get(f"/activities/{message.activity.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "报价 &lt;b&gt;" in page and "请查收" in page and "/restore/" not in page


def test_in_chinese_an_email_reads_as_an_email(client, rep, person, smtp_server, on_commit):
    """Words English shares between senses are told apart: the email kind is 邮件 (not the
    address field's 邮箱), a sent email 已发送 (not the time column's 发送时间), its sender
    发件人 (not a stage change's 从)."""
    with on_commit():
        message = mail_send.send_email(rep, person, "报价", "请查收")
    client.force_login(rep)
    page = client.get(
        f"/activities/{message.activity.pk}/", headers={"Accept-Language": "zh-hans"}
    ).content.decode()
    assert '<span class="kind-badge email">邮件</span>' in page
    assert "已发送" in page and "发件人" in page and "收件人" in page
    assert "发送时间" not in page and "邮箱</span>" not in page
