"""Every settings page answers administrators only; everyone else gets a proper 403 page."""

import pytest
from django.urls import reverse

from kehu.accounts.models import Role, Team, User
from kehu.customers.fields import services as field_services
from kehu.customers.models import CustomField
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(admin_user, team_a, rep):
    field = field_services.create_field(
        admin_user, {"entity": "person", "label": "Level", "type": "text"}
    )
    return {"user": rep.pk, "team": team_a.pk, "role": Role.objects.get(name="Sales rep").pk,
            "field": field.pk}  # fmt: skip


GET_PAGES = [
    ("user-list", None),
    ("user-create", None),
    ("user-edit", "user"),
    ("user-password", "user"),
    ("team-list", None),
    ("team-create", None),
    ("team-edit", "team"),
    ("role-list", None),
    ("role-create", None),
    ("role-edit", "role"),
    ("customfield-list", None),
    ("customfield-create", None),
    ("customfield-edit", "field"),
]
POST_ACTIONS = [
    ("user-deactivate", "user"),
    ("user-activate", "user"),
    ("user-unlock", "user"),
    ("customfield-deactivate", "field"),
    ("customfield-activate", "field"),
]


def _url(name, arg, targets):
    return reverse(name, args=[targets[arg]] if arg else [])


@pytest.fixture(params=["Sales rep", "Manager", "Read-only"])
def non_admin(request, team_a):
    return make_user(f"user_{request.param.replace(' ', '_')}", role=request.param, team=team_a)


@pytest.mark.parametrize(("name", "arg"), GET_PAGES)
def test_admin_opens_every_page(client, admin_user, targets, name, arg):
    client.force_login(admin_user)
    response = client.get(_url(name, arg, targets))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "arg"), GET_PAGES)
def test_non_admins_get_a_403_page(client, targets, non_admin, name, arg):
    client.force_login(non_admin)
    response = client.get(_url(name, arg, targets))
    assert response.status_code == 403
    assert "Only administrators" in response.content.decode()
    assert [t.name for t in response.templates][0] == "accounts/admin/forbidden.html"


@pytest.mark.parametrize(("name", "arg"), GET_PAGES)
def test_anonymous_is_sent_to_login(client, targets, name, arg):
    response = client.get(_url(name, arg, targets))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_non_admin_posts_change_nothing(client, targets, non_admin, rep):
    client.force_login(non_admin)
    for name, arg in POST_ACTIONS:
        assert client.post(_url(name, arg, targets)).status_code == 403
    posts = {
        reverse("user-create"): {"username": "sneaky", "password1": "x", "password2": "x"},
        reverse("user-edit", args=[rep.pk]): {"username": "renamed", "role": rep.role_id},
        reverse("team-create"): {"name": "Sneaky team"},
        reverse("team-edit", args=[targets["team"]]): {"name": "Renamed"},
        reverse("role-create"): {"name": "Sneaky", "scope": "all", "is_admin": "on"},
        reverse("role-edit", args=[targets["role"]]): {"name": "Renamed", "scope": "all"},
        reverse("customfield-create"): {"entity": "person", "label": "X", "type": "text"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403
    rep.refresh_from_db()
    assert rep.username == "rep" and rep.is_active
    assert not User.objects.filter(username="sneaky").exists()
    assert not Team.objects.filter(name__in=["Sneaky team", "Renamed"]).exists()
    assert not Role.objects.filter(name__in=["Sneaky", "Renamed"]).exists()
    assert CustomField.objects.get(pk=targets["field"]).active
    assert CustomField.objects.count() == 1


def test_sidebar_shows_settings_to_admins_only(client, admin_user, rep):
    client.force_login(admin_user)
    assert reverse("user-list") in client.get(reverse("customfield-list")).content.decode()
    client.force_login(rep)
    assert reverse("user-list") not in client.get(reverse("token-list")).content.decode()
