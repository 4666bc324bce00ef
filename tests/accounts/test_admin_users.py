"""Administrators manage users: create, edit, deactivate (never delete), unlock, reset password."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kehu.accounts import services
from kehu.accounts.models import Role, User
from kehu.core.audit import history
from kehu.customers.models import Person
from tests.factories import PASSWORD, make_person

pytestmark = pytest.mark.django_db

STRONG = "Lantern-Harbour-42"


def _new_user_form(**overrides):
    data = {
        "username": "lili",
        "name": "王丽丽",
        "email": "lili@example.com",
        "team": "",
        "role": Role.objects.get(name="Sales rep").pk,
        "language": "zh-hans",
        "time_zone": "Asia/Shanghai",
        "password1": STRONG,
        "password2": STRONG,
    }
    data.update(overrides)
    return data


def test_admin_creates_a_user_who_can_log_in(client, admin_user, team_a):
    client.force_login(admin_user)
    response = client.post(reverse("user-create"), _new_user_form(team=team_a.pk))
    assert response.status_code == 302
    user = User.objects.get(username="lili")
    assert (user.team, user.role.name, user.language) == (team_a, "Sales rep", "zh-hans")
    assert user.email == "lili@example.com" and user.is_active
    assert (user.first_name, user.last_name, str(user)) == ("王丽丽", "", "王丽丽")
    assert history(user).first().actor == admin_user
    client.logout()
    response = client.post("/login/", {"username": "lili", "password": STRONG})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "REP"}, "username"),  # taken, whatever the case
        ({"password1": "12345678", "password2": "12345678"}, "password1"),
        ({"password1": "lili", "password2": "lili"}, "password1"),
        ({"password2": "something-else-99"}, "password2"),
        ({"email": "not-an-email"}, "email"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"role": ""}, "role"),
        ({"username": ""}, "username"),
    ],
)
def test_bad_user_input_shows_field_errors_and_saves_nothing(
    client, admin_user, rep, overrides, field
):
    client.force_login(admin_user)
    before = User.objects.count()
    response = client.post(reverse("user-create"), _new_user_form(**overrides))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert User.objects.count() == before


def test_service_refuses_non_admins_and_accepts_the_system(rep):
    data = {"username": "cli", "password": STRONG, "role": "Sales rep"}
    with pytest.raises(PermissionDenied):
        services.create_user(rep, data)
    user = services.create_user(None, data)
    assert user.role.name == "Sales rep" and user.check_password(STRONG)
    assert history(user).first().actor is None
    with pytest.raises(ValidationError) as exc:
        services.create_user(None, {**data, "username": "CLI"})
    assert "username" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.create_user(None, {"username": "x2", "password": STRONG, "role": "Nope"})
    assert "role" in exc.value.message_dict


def test_admin_edits_a_user(client, admin_user, rep, team_b):
    client.force_login(admin_user)
    response = client.post(
        reverse("user-edit", args=[rep.pk]),
        {
            "username": "rep",
            "name": "Wei Zhang",
            "email": "wei@example.com",
            "team": team_b.pk,
            "role": Role.objects.get(name="Manager").pk,
            "language": "en",
            "time_zone": "",
        },  # fmt: skip
    )
    assert response.status_code == 302
    rep.refresh_from_db()
    assert (rep.first_name, rep.last_name) == ("Wei Zhang", "")  # one name field
    assert (rep.team, rep.role.name) == (team_b, "Manager")
    changes = history(rep).first().changes
    assert changes["role"] == ["Sales rep", "Manager"]


def test_renaming_to_a_taken_username_is_refused(client, admin_user, rep, teammate):
    client.force_login(admin_user)
    response = client.post(
        reverse("user-edit", args=[rep.pk]), {"username": "Teammate", "role": rep.role_id}
    )
    assert response.status_code == 200 and response.context["form"].errors["username"]
    rep.refresh_from_db()
    assert rep.username == "rep"


def test_deactivated_user_cannot_log_in_and_keeps_their_records(client, admin_user, rep):
    person = make_person(rep, "李娜")
    client.force_login(admin_user)
    response = client.post(reverse("user-deactivate", args=[rep.pk]))
    assert response.status_code == 302
    rep.refresh_from_db()
    assert not rep.is_active
    assert Person.objects.get(pk=person.pk).owner == rep
    other = client.__class__()
    response = other.post("/login/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in other.session
    assert not User.objects.filter(pk=rep.pk, is_active=True).exists()


def test_deactivation_ends_an_open_session(client, admin_user, rep):
    rep_client = client.__class__()
    rep_client.force_login(rep)
    assert rep_client.get(reverse("home")).status_code == 200
    services.deactivate_user(admin_user, rep)
    response = rep_client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_admin_cannot_deactivate_themself(client, admin_user):
    client.force_login(admin_user)
    client.post(reverse("user-deactivate", args=[admin_user.pk]))
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_reactivation(client, admin_user, rep):
    services.deactivate_user(admin_user, rep)
    client.force_login(admin_user)
    client.post(reverse("user-activate", args=[rep.pk]))
    rep.refresh_from_db()
    assert rep.is_active


def test_unlock_lets_a_locked_user_log_in_again(client, admin_user, rep):
    User.objects.filter(pk=rep.pk).update(
        failed_logins=3, locked_until=timezone.now() + timedelta(minutes=15)
    )
    response = client.post("/login/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 200 and "locked" in response.content.decode()
    admin_client = client.__class__()
    admin_client.force_login(admin_user)
    listing = admin_client.get(reverse("user-list")).content.decode()
    assert "locked" in listing
    admin_client.post(reverse("user-unlock", args=[rep.pk]))
    rep.refresh_from_db()
    assert rep.failed_logins == 0 and rep.locked_until is None
    response = client.post("/login/", {"username": "rep", "password": PASSWORD})
    assert response.status_code == 302


def test_password_reset_validates_and_works(client, admin_user, rep):
    client.force_login(admin_user)
    url = reverse("user-password", args=[rep.pk])
    response = client.post(url, {"password1": "password", "password2": "password"})
    assert response.status_code == 200 and response.context["form"].errors["password1"]
    rep.refresh_from_db()
    assert rep.check_password(PASSWORD)
    response = client.post(url, {"password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.check_password(STRONG)
    assert "_password" in history(rep).first().changes


def test_user_list_filters_active_and_deactivated(client, admin_user, rep, teammate):
    services.deactivate_user(admin_user, teammate)
    client.force_login(admin_user)
    active = [u.username for u, _ in client.get(reverse("user-list")).context["rows"]]
    inactive = [
        u.username for u, _ in client.get(reverse("user-list") + "?show=inactive").context["rows"]
    ]
    assert "rep" in active and "teammate" not in active
    assert inactive == ["teammate"]


def test_user_names_are_escaped(client, admin_user):
    services.create_user(
        None,
        {
            "username": "evil",
            "first_name": "<script>x</script>",
            "password": STRONG,
            "role": "Sales rep",
        },  # fmt: skip
    )
    client.force_login(admin_user)
    html = client.get(reverse("user-list")).content.decode()
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
