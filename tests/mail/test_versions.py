"""Email templates and signatures carry a version: a stale form shows both values and saves
nothing, a stale `If-Match` is a 412, and every change adds one (DESIGN.md, pattern 4)."""

import pytest

from kehu.core.audit import history
from kehu.core.records import VersionConflict
from kehu.mail import templating as mail_templates
from kehu.mail.models import EmailSignature, EmailTemplate
from tests.api.conftest import bearer_client, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(admin_user):
    data = {"name": "问候", "subject": "{{ person.name }} 您好", "body": "正文"}
    return mail_templates.save_template(admin_user, None, data)


def test_each_change_of_a_template_adds_one_to_its_version(admin_user, template):
    assert template.version == 1
    saved = mail_templates.save_template(admin_user, template, {"body": "新正文"}, 1)
    assert saved.version == 2
    same = mail_templates.save_template(admin_user, saved, {"body": "新正文"}, 2)
    assert same.version == 2  # nothing changed: no new version, no audit entry
    assert [e.action for e in history(template)] == ["update", "create"]
    with pytest.raises(VersionConflict):
        mail_templates.save_template(admin_user, template, {"body": "旧的"}, 1)
    assert EmailTemplate.objects.get(pk=template.pk).body == "新正文"


def test_a_stale_template_form_shows_the_conflict_and_saves_nothing(client, admin_user, template):
    client.force_login(admin_user)
    url = f"/settings/email-templates/{template.pk}/"
    page = client.get(url).content.decode()
    assert 'name="version" value="1"' in page
    mail_templates.save_template(admin_user, template, {"subject": "您好 {{ person.name }}"})
    mine = {"name": "问候", "subject": "{{ person.name }} 您好", "body": "我的正文", "active": "on"}
    response = client.post(url, {**mine, "version": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this record" in body
    rows = {r["label"]: (r["theirs"], r["yours"]) for r in response.context["conflict"]}
    assert rows == {
        "Subject": ("您好 {{ person.name }}", "{{ person.name }} 您好"),
        "Text": ("正文", "我的正文"),
    }
    assert 'name="version" value="2"' in body  # sending it again overwrites, knowingly
    template.refresh_from_db()
    assert (template.subject, template.body, template.version) == (
        "您好 {{ person.name }}",
        "正文",
        2,
    )
    assert client.post(url, {**mine, "version": "2"}).status_code == 302
    template.refresh_from_db()
    assert (template.subject, template.body, template.version) == (
        "{{ person.name }} 您好",
        "我的正文",
        3,
    )


def test_the_template_api_sends_the_version_as_etag_and_refuses_a_stale_if_match(
    admin_user, template
):
    api = bearer_client(admin_user)
    url = f"/api/v1/email-templates/{template.pk}"
    read = api.get(url)
    assert read["ETag"] == 'W/"1"' and read.json()["version"] == 1
    changed = send(api, "patch", url, {"body": "改过"}, **{"If-Match": 'W/"1"'})
    assert changed.status_code == 200 and changed["ETag"] == 'W/"2"'
    assert changed.json()["version"] == 2
    stale = send(api, "patch", url, {"body": "旧的"}, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2 and stale["ETag"] == 'W/"2"'
    assert EmailTemplate.objects.get(pk=template.pk).body == "改过"
    assert send(api, "patch", url, {"body": "x"}, **{"If-Match": "bogus"}).status_code == 400
    created = send(
        api, "post", "/api/v1/email-templates", {"name": "新", "subject": "s", "body": "b"}
    )
    assert created.status_code == 201 and created["ETag"] == 'W/"1"'
    assert created.json()["version"] == 1


def test_a_stale_signature_form_shows_the_conflict_and_saves_nothing(client, rep):
    client.force_login(rep)
    assert 'name="version" value="0"' in client.get("/profile/").content.decode()
    assert client.post("/profile/signature/", {"text": "张伟", "version": "0"}).status_code == 302
    signature = EmailSignature.objects.get(user=rep)
    assert signature.version == 1
    assert 'name="version" value="1"' in client.get("/profile/signature/").content.decode()
    mail_templates.save_signature(rep, "张伟\n销售部", expected_version=1)  # another tab
    response = client.post("/profile/signature/", {"text": "张伟 经理", "version": "1"})
    assert response.status_code == 409
    assert "Someone else changed this record" in response.content.decode()
    assert [(r["theirs"], r["yours"]) for r in response.context["conflict"]] == [
        ("张伟\n销售部", "张伟 经理")
    ]
    signature.refresh_from_db()
    assert (signature.text, signature.version) == ("张伟\n销售部", 2)
    assert (
        client.post("/profile/signature/", {"text": "张伟 经理", "version": "2"}).status_code == 302
    )
    signature.refresh_from_db()
    assert (signature.text, signature.version) == ("张伟 经理", 3)


def test_a_signature_made_elsewhere_meanwhile_is_a_conflict_too(client, rep):
    client.force_login(rep)
    mail_templates.save_signature(rep, "在别的标签页写的")
    response = client.post("/profile/signature/", {"text": "我的", "version": "0"})
    assert response.status_code == 409
    assert EmailSignature.objects.get(user=rep).text == "在别的标签页写的"
