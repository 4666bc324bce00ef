"""Sending email needs a role that may send (`mail_send.SEND_RIGHT`): a Read-only user reads
a person's emails but sends none, through the page, the API or the service."""

import pytest
from django.core.exceptions import PermissionDenied

from kehu.activities.models import Activity
from kehu.activities.services import log_activity
from kehu.core.models import AuditEntry
from kehu.mail import sending as mail_send
from kehu.mail.models import EmailMessage
from tests.api.conftest import bearer_client, send
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture
def person(rep):
    return make_person(rep, "张伟", email="zhang.wei@yunshan.example")


def _failed_email(owner, person) -> EmailMessage:
    activity = log_activity(owner, person, "email", {"subject": "报价"})
    return EmailMessage.objects.create(
        activity=activity, owner=owner, direction="out", status="failed", error="refused",
        message_id=f"<failed-{owner.pk}@kehu.example>", to=[person.email], subject="报价",
        text="正文",
    )  # fmt: skip


def _counts() -> dict:
    return {"emails": EmailMessage.objects.count(), "activities": Activity.all_objects.count(),
            "audit": AuditEntry.objects.count()}  # fmt: skip


def _nothing_sent(before: dict, smtp_server) -> bool:
    return _counts() == before and not smtp_server.messages


def test_every_built_in_sales_role_but_read_only_may_send():
    """Support agents and leads answer customers through tickets (their replies go out from
    the support mailbox), not from a person's page."""
    from kehu.accounts.models import Role

    rights = {name: mail_send.may_send(make_user(f"u{n}", role=name))
              for n, name in enumerate(Role.objects.values_list("name", flat=True))}  # fmt: skip
    assert rights == {"Administrator": True, "Manager": True, "Sales rep": True,
                      "Read-only": False, "Support agent": False,
                      "Support lead": False}  # fmt: skip


def test_the_service_refuses_a_read_only_user(readonly_user, person, smtp_server):
    before = _counts()
    with pytest.raises(PermissionDenied):
        mail_send.send_email(readonly_user, person, "你好", "在吗")
    own = _failed_email(readonly_user, person)  # sent while their role still allowed it
    before = _counts()
    with pytest.raises(PermissionDenied):
        mail_send.retry_email(readonly_user, own)
    own.refresh_from_db()
    assert own.status == "failed" and _nothing_sent(before, smtp_server)


def test_the_api_answers_403_to_a_read_only_user(readonly_user, person, smtp_server):
    api = bearer_client(readonly_user)
    before = _counts()
    body = {"person_id": person.pk, "subject": "你好", "body": "在吗"}
    response = send(api, "post", "/api/v1/emails", body)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to do this."}
    own = _failed_email(readonly_user, person)
    before = _counts()
    assert send(api, "post", f"/api/v1/emails/{own.pk}/retry", {}).status_code == 403
    own.refresh_from_db()
    assert own.status == "failed" and _nothing_sent(before, smtp_server)
    # reading stays open to them
    assert api.get(f"/api/v1/emails/{own.pk}").status_code == 200


def test_the_right_is_checked_before_whether_email_is_set_up(readonly_user, rep, person, settings):
    settings.EMAIL_HOST = ""
    body = {"person_id": person.pk, "subject": "你好", "body": "在吗"}
    assert send(bearer_client(readonly_user), "post", "/api/v1/emails", body).status_code == 403
    assert send(bearer_client(rep), "post", "/api/v1/emails", body).status_code == 409


def test_a_person_one_cannot_see_is_still_404(outsider, person, smtp_server):
    body = {"person_id": person.pk, "subject": "你好", "body": "在吗"}
    assert send(bearer_client(outsider), "post", "/api/v1/emails", body).status_code == 404
    assert not EmailMessage.objects.exists()


def test_the_pages_refuse_a_read_only_user(client, readonly_user, rep, person, smtp_server):
    sent = _failed_email(rep, person)
    client.force_login(readonly_user)
    url = f"/people/{person.pk}/email/"
    before = _counts()
    assert client.get(url).status_code == 403
    assert client.post(url, {"subject": "你好", "body": "在吗"}).status_code == 403
    assert client.get(f"/emails/{sent.pk}/reply/").status_code == 403
    assert _nothing_sent(before, smtp_server)


def test_the_buttons_show_only_to_those_who_may_send(client, readonly_user, rep, person):
    sent = _failed_email(rep, person)
    compose, reply = f'href="/people/{person.pk}/email/"', f'href="/emails/{sent.pk}/reply/"'
    retry = f'action="/emails/{sent.pk}/retry/"'
    client.force_login(rep)
    page = client.get(person.get_absolute_url()).content.decode()
    assert compose in page and reply in page and retry in page
    client.force_login(readonly_user)
    page = client.get(person.get_absolute_url()).content.decode()
    assert "报价" in page  # they see the email on the timeline
    assert compose not in page and reply not in page and retry not in page
