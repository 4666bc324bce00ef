"""A user changes their own password on the profile page; any password change (theirs or an
administrator's reset) cancels a change of email address that still waits for its link."""

import pytest
from django.test import Client
from django.urls import reverse

from kehu.accounts import services
from kehu.accounts.models import EmailChange
from kehu.core.audit import history
from tests.accounts.test_email_change import requested, signed_in
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase"


@pytest.fixture
def lina(db):
    return make_user("lina", email="lina@kehu.example")


def change(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        reverse("password-change"),
        {"current_password": current, "new_password": new, "new_password_again": again or new},
    )


def test_the_user_changes_their_password_and_stays_signed_in_here_only(lina, seen):
    client, elsewhere = signed_in(lina), signed_in(lina)
    assert "Change password" in client.get(reverse("profile")).content.decode()
    response = change(client)
    assert response.status_code == 302
    assert "Your password is changed." in client.get(reverse("profile")).content.decode()
    lina.refresh_from_db()
    assert lina.check_password(NEW_PASSWORD) and not lina.check_password(PASSWORD)
    # the other browser's session ends; the password itself is never written down
    assert elsewhere.get(reverse("profile")).status_code == 302
    entry = history(lina).first()
    assert entry.changes == {"_password": [None, "changed"]}
    assert seen[-1]["changes"] == {"_password": [None, "changed"]}
    assert Client().login(username="lina", password=NEW_PASSWORD)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"current": "wrong"}, "current_password", "Your current password is not right."),
        ({"new": "short"}, "new_password", "too short"),
        ({"new": "password123"}, "new_password", "too common"),
        ({"again": "something-else-entirely"}, "new_password_again", "The two passwords differ."),
        ({"current": ""}, "current_password", "This field is required."),
    ],
)
def test_a_bad_change_says_why_and_changes_nothing(lina, fields, field, message):
    client = signed_in(lina)
    response = change(client, **fields)
    assert response.status_code == 200
    form = response.context["password_form"]
    assert message in " ".join(form.errors[field]), form.errors
    lina.refresh_from_db()
    assert lina.check_password(PASSWORD)
    assert not history(lina).exists()


def test_guessing_the_current_password_counts_as_failed_logins(lina, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    client = signed_in(lina)
    for _ in range(3):
        assert change(client, current="guess").status_code == 200
    response = change(client)  # even the right password must wait now
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    lina.refresh_from_db()
    assert lina.check_password(PASSWORD)


def test_the_page_needs_a_signed_in_user_and_a_post(lina):
    assert change(Client()).status_code == 302
    lina.refresh_from_db()
    assert lina.check_password(PASSWORD)
    assert signed_in(lina).get(reverse("password-change")).status_code == 302


def test_a_password_change_cancels_a_pending_email_change(lina, smtp_server, on_commit):
    client = signed_in(lina)
    link = requested(client, smtp_server, on_commit)
    assert EmailChange.objects.filter(user=lina).exists()
    change(client)
    assert not EmailChange.objects.filter(user=lina).exists()
    assert client.post(link).status_code == 404
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"


def test_an_administrators_reset_cancels_a_pending_email_change(
    lina, smtp_server, on_commit, admin_user
):
    link = requested(signed_in(lina), smtp_server, on_commit)
    services.set_password(admin_user, lina, NEW_PASSWORD)
    client = Client()
    client.login(username="lina", password=NEW_PASSWORD)
    assert client.post(link).status_code == 404
    lina.refresh_from_db()
    assert lina.email == "lina@kehu.example"


def test_only_the_user_may_change_their_password(lina):
    from django.core.exceptions import PermissionDenied

    from kehu.accounts import profile

    other = make_user("wangfang")
    with pytest.raises(PermissionDenied):
        profile.change_password(other, lina, PASSWORD, NEW_PASSWORD)
    lina.refresh_from_db()
    assert lina.check_password(PASSWORD)
