"""A user's email address: unique in any letter case; a user changes their own only with their
password and a link mailed to the new address (the old one is told); administrators change it
at once, audited. Mail goes through a real SMTP server (aiosmtpd)."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kehu.accounts import email_change, services
from kehu.accounts.models import EmailChange, Role, User
from kehu.core.audit import history
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW = "lina.new@kehu.example"


@pytest.fixture
def lina(db):
    return make_user("lina", first_name="娜", last_name="李", email="lina@kehu.example")


@pytest.fixture
def colleague(db):
    return make_user("wangfang", email="Wang.Fang@kehu.example")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(client, new_email=NEW, password=PASSWORD):
    return client.post(reverse("email-change"), {"new_email": new_email, "password": password})


def link_in(message) -> str:
    """The confirmation link's path in a received email."""
    url = re.search(r"https?://\S+/profile/email/confirm/\S+/", message.get_content()).group(0)
    return urlsplit(url).path


def requested(client, smtp_server, on_commit, new_email=NEW) -> str:
    """Ask for the change as the user would; the path of the link mailed to the new address."""
    with on_commit():
        response = ask(client, new_email)
    assert response.status_code == 302, response.content.decode()[:2000]
    to_new = [m for m in smtp_server.messages if m["To"] == new_email]
    return link_in(to_new[-1])


# ---------------------------------------------------------------- the profile page


def test_the_profile_form_no_longer_changes_the_email_address(lina, colleague):
    client = signed_in(lina)
    response = client.post(
        reverse("profile"),
        {"name": "李娜", "email": "wang.fang@kehu.example",
         "language": "", "time_zone": ""},
    )  # fmt: skip
    assert response.status_code == 302
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"


def test_a_change_is_confirmed_by_the_link_mailed_to_the_new_address(
    lina, smtp_server, on_commit, settings, seen
):
    settings.PUBLIC_URL = "https://crm.example.com"
    client = signed_in(lina)
    link = requested(client, smtp_server, on_commit)
    to_new, to_old = smtp_server.messages
    assert to_new["To"] == NEW and "https://crm.example.com/profile/email/confirm/" in str(
        to_new.get_content()
    )
    assert "lina" in to_new.get_content() and "24" in to_new.get_content()
    # the old address is told, and gets no link
    assert to_old["To"] == "lina@kehu.example" and NEW in to_old.get_content()
    assert "/profile/email/confirm/" not in to_old.get_content()
    # nothing changes until the link is used; the profile says it waits
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"
    assert NEW in client.get(reverse("profile")).content.decode()
    # opening the link asks first (mail scanners open links) ...
    page = client.get(link)
    assert page.status_code == 200 and NEW in page.content.decode()
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"
    # ... and confirming changes it, audited, with the event
    assert client.post(link).status_code == 302
    lina.refresh_from_db()
    assert lina.email == NEW
    entry = history(lina).first()
    assert entry.actor == lina and entry.changes == {"email": ["lina@kehu.example", NEW]}
    assert [e["changes"] for e in seen if e["record"] == lina] == [entry.changes]
    # the link works once
    again = client.post(link)
    assert again.status_code == 410
    assert client.get(link).status_code == 410


def test_the_mails_are_in_the_users_language(lina, smtp_server, on_commit):
    lina.language = "zh-hans"
    lina.save()
    requested(signed_in(lina), smtp_server, on_commit)
    to_new, to_old = smtp_server.messages
    assert to_new["Subject"] == "确认您在 Kehu 的新邮箱地址"
    assert "请在 24 小时内" in to_new.get_content()
    assert "有人申请将您的 Kehu 账户" in to_old.get_content()


@pytest.mark.parametrize(
    ("new_email", "password", "field", "message"),
    [
        (NEW, "not-my-password", "password", "This is not your current password."),
        (NEW, "", "password", "This field is required."),
        ("WANG.FANG@KEHU.EXAMPLE", PASSWORD, "new_email", "used by another user"),
        ("wang.fang@kehu.example", PASSWORD, "new_email", "used by another user"),
        ("not-an-email", PASSWORD, "new_email", "Enter a valid email address."),
        ("lina@kehu.example", PASSWORD, "new_email", "already your email address"),
    ],
)
def test_a_bad_request_says_why_and_mails_nothing(
    lina, colleague, smtp_server, on_commit, new_email, password, field, message
):
    with on_commit():
        response = ask(signed_in(lina), new_email, password)
    assert response.status_code == 200
    errors = response.context["email_form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not EmailChange.objects.exists() and smtp_server.messages == []
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"


def test_guessing_the_password_here_counts_as_failed_logins(lina, settings, smtp_server):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    client = signed_in(lina)
    for _ in range(3):
        assert ask(client, password="guess").status_code == 200
    response = ask(client)  # even the right password must wait now
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many failed logins from your network" in response.content.decode()
    assert not EmailChange.objects.exists() and smtp_server.messages == []


def test_without_an_smtp_server_the_user_is_told_to_ask_an_administrator(lina, settings):
    settings.EMAIL_HOST = ""
    response = ask(signed_in(lina))
    assert "ask an administrator" in " ".join(response.context["email_form"].errors["new_email"])
    assert not EmailChange.objects.exists()


def test_an_expired_link_changes_nothing(lina, smtp_server, on_commit):
    client = signed_in(lina)
    link = requested(client, smtp_server, on_commit)
    EmailChange.objects.update(requested_at=timezone.now() - datetime.timedelta(hours=25))
    response = client.post(link)
    assert response.status_code == 410 and "expired" in response.content.decode()
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"


def test_forged_and_tampered_links_change_nothing(lina, smtp_server, on_commit):
    client = signed_in(lina)
    link = requested(client, smtp_server, on_commit)
    change = EmailChange.objects.get()
    token = link.rstrip("/").rsplit("/", 1)[1]
    forged = [
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),  # a bad signature
        signing.dumps({"c": change.pk, "n": change.nonce}, salt="another purpose"),
        signing.dumps({"c": change.pk, "n": "guessed"}, salt=email_change.SALT),
        "nonsense",
    ]
    for bad in forged:
        url = reverse("email-change-confirm", kwargs={"token": bad})
        assert client.get(url).status_code == 404, bad
        assert client.post(url).status_code == 404, bad
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"


def test_a_link_used_by_another_logged_in_user_changes_nothing(
    lina, colleague, smtp_server, on_commit
):
    link = requested(signed_in(lina), smtp_server, on_commit)
    other = signed_in(colleague)
    assert other.get(link).status_code == 404
    assert other.post(link).status_code == 404
    admin = signed_in(make_user("boss", role="Administrator", superuser=True))
    assert admin.post(link).status_code == 404
    lina.refresh_from_db()
    colleague.refresh_from_db()
    assert (lina.email, colleague.email) == ("lina@kehu.example", "Wang.Fang@kehu.example")
    # logged out, the link leads to the login page first
    response = Client().get(link)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    # the link still works for its own user
    assert signed_in(lina).post(link).status_code == 302
    lina.refresh_from_db()
    assert lina.email == NEW


def test_an_address_taken_between_request_and_confirmation_is_refused(
    lina, colleague, smtp_server, on_commit, admin_user
):
    client = signed_in(lina)
    link = requested(client, smtp_server, on_commit)
    services.update_user(admin_user, colleague, {"email": NEW.upper()})
    response = client.post(link)
    assert response.status_code == 409 and "used by another user" in response.content.decode()
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"


def test_a_newer_request_replaces_the_older_link(lina, smtp_server, on_commit):
    client = signed_in(lina)
    first = requested(client, smtp_server, on_commit)
    second = requested(client, smtp_server, on_commit, new_email="lina.2@kehu.example")
    assert client.post(first).status_code == 404
    assert client.post(second).status_code == 302
    lina.refresh_from_db()
    assert lina.email == "lina.2@kehu.example"


def test_an_administrators_change_voids_a_pending_link(lina, smtp_server, on_commit, admin_user):
    client = signed_in(lina)
    link = requested(client, smtp_server, on_commit)
    services.update_user(admin_user, lina, {"email": "lina.admin@kehu.example"})
    assert client.post(link).status_code == 404
    lina.refresh_from_db()
    assert lina.email == "lina.admin@kehu.example"


# ---------------------------------------------------------------- administrators, uniqueness


def test_an_administrator_changes_an_address_at_once_audited_with_the_event(
    client, lina, admin_user, seen
):
    client.force_login(admin_user)
    form = {"username": "lina", "name": "李娜",
            "email": "li.na@kehu.example", "team": "", "role": lina.role_id, "language": "",
            "time_zone": ""}  # fmt: skip
    assert client.post(reverse("user-edit", args=[lina.pk]), form).status_code == 302
    lina.refresh_from_db()
    assert lina.email == "li.na@kehu.example"
    entry = history(lina).first()
    assert entry.actor == admin_user
    assert entry.changes["email"] == ["lina@kehu.example", "li.na@kehu.example"]
    assert any(e["record"] == lina and "email" in e["changes"] for e in seen)


@pytest.mark.parametrize("taken", ["wang.fang@kehu.example", "WANG.FANG@KEHU.EXAMPLE"])
def test_the_admin_form_refuses_a_taken_address_in_any_case(
    client, lina, colleague, admin_user, taken
):
    client.force_login(admin_user)
    form = {"username": "lina", "email": taken, "role": lina.role_id}
    response = client.post(reverse("user-edit", args=[lina.pk]), form)
    assert response.status_code == 200
    assert "This email address is used by another user." in response.context["form"].errors["email"]
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"
    create = {"username": "new", "email": taken, "role": lina.role_id,
              "password1": "Lantern-Harbour-42", "password2": "Lantern-Harbour-42"}  # fmt: skip
    response = client.post(reverse("user-create"), create)
    assert "This email address is used by another user." in response.context["form"].errors["email"]
    assert not User.objects.filter(username="new").exists()


def test_the_service_refuses_a_taken_address_and_many_may_have_none(colleague, admin_user):
    role = Role.objects.get(name="Sales rep")
    with pytest.raises(ValidationError) as caught:
        services.create_user(None, {"username": "x", "email": " WANG.fang@kehu.example ",
                                    "password": "Lantern-Harbour-42", "role": role})  # fmt: skip
    assert caught.value.message_dict == {"email": ["This email address is used by another user."]}
    for name in ("a1", "a2"):  # no address at all is no conflict
        services.create_user(None, {"username": name, "password": "Lantern-Harbour-42",
                                    "role": role})  # fmt: skip
    assert User.objects.filter(email="").count() >= 2


def test_the_database_refuses_a_shared_address_in_any_case(colleague):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="sneaky", email="WANG.FANG@kehu.example")


def test_a_race_past_the_check_is_a_field_error_not_a_500(lina, colleague, admin_user, monkeypatch):
    monkeypatch.setattr(services, "_check_email", lambda user, errors: ["email"])
    with pytest.raises(ValidationError) as caught:
        services.update_user(admin_user, lina, {"email": "wang.fang@kehu.example"})
    assert caught.value.message_dict == {"email": ["This email address is used by another user."]}
