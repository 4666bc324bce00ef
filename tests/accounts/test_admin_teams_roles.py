"""Teams (member counts, create, rename) and roles (scope, module × action grid, admin flag)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kehu.accounts import services
from kehu.accounts.models import Role, Team
from kehu.core.audit import history
from kehu.customers.models import Person
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


def test_team_list_counts_members(client, admin_user, rep, teammate, outsider):
    client.force_login(admin_user)
    teams = {t.name: t.member_count for t in client.get(reverse("team-list")).context["teams"]}
    assert teams == {"Team A": 2, "Team B": 1}


def test_create_and_rename_a_team(client, admin_user, team_a):
    client.force_login(admin_user)
    assert client.post(reverse("team-create"), {"name": "华东销售"}).status_code == 302
    team = Team.objects.get(name="华东销售")
    assert (
        client.post(reverse("team-edit", args=[team.pk]), {"name": "华南销售"}).status_code == 302
    )
    team.refresh_from_db()
    assert team.name == "华南销售"
    assert history(team).first().changes == {"name": ["华东销售", "华南销售"]}


@pytest.mark.parametrize("name", ["team a", "  ", ""])
def test_bad_team_names_are_refused(client, admin_user, team_a, name):
    client.force_login(admin_user)
    response = client.post(reverse("team-create"), {"name": name})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert Team.objects.count() == 1


def _role_form(name="Support", scope="team", is_admin=False, rights=None):
    data = {"name": name, "scope": scope}
    if is_admin:
        data["is_admin"] = "on"
    for module, actions in (rights or {}).items():
        for action in actions:
            data[f"perm__{module}__{action}"] = "on"
    return data


def test_role_grid_is_saved(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("role-create"), _role_form(rights={"customers": ["read", "export"]})
    )
    assert response.status_code == 302
    role = Role.objects.get(name="Support")
    assert role.scope == "team" and not role.is_admin
    assert role.permissions == {"customers": ["read", "export"]}
    page = client.get(reverse("role-edit", args=[role.pk])).content.decode()
    assert 'name="perm__customers__read" aria-label' in page
    assert page.count("checked") == 2
    response = client.post(
        reverse("role-edit", args=[role.pk]),
        _role_form(scope="all", rights={"customers": ["read", "create", "edit"]}),
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.scope == "all"
    assert role.permissions == {"customers": ["read", "create", "edit"]}
    assert history(role).first().changes["permissions.customers"] == [
        "read, export",
        "read, create, edit",
    ]


def test_role_rights_take_effect(client, admin_user, team_a):
    seller = make_user("seller", role="Sales rep", team=team_a)
    make_person(seller, "张伟")
    assert Person.objects.visible_to(seller).count() == 1
    client.force_login(admin_user)
    role = Role.objects.get(name="Sales rep")
    client.post(reverse("role-edit", args=[role.pk]), _role_form(name="Sales rep", scope="own"))
    seller = type(seller).objects.get(pk=seller.pk)
    assert seller.role.permissions == {}
    assert Person.objects.visible_to(seller).count() == 0


def test_admin_flag_grants_the_settings_pages(client, admin_user, rep):
    client.force_login(admin_user)
    client.post(reverse("role-create"), _role_form(name="Office admin", is_admin=True))
    services.update_user(admin_user, rep, {"role": "Office admin"})
    client.force_login(rep)
    assert client.get(reverse("user-list")).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_role_form(name="Manager"), "name"),
        (_role_form(name=""), "name"),
        (_role_form(scope="galaxy"), "scope"),
    ],
)
def test_bad_role_input_saves_nothing(client, admin_user, data, field):
    client.force_login(admin_user)
    before = list(Role.objects.values_list("name", "scope", "permissions"))
    response = client.post(reverse("role-create"), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert list(Role.objects.values_list("name", "scope", "permissions")) == before


def test_role_service_validates_rights(admin_user, rep):
    with pytest.raises(ValidationError) as exc:
        services.create_role(admin_user, {"name": "X", "scope": "own",
                                          "permissions": {"customers": ["fly"]}})  # fmt: skip
    assert "permissions" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.create_role(admin_user, {"name": "X", "scope": "own", "permissions": {"nope": []}})
    with pytest.raises(PermissionDenied):
        services.create_role(rep, {"name": "X", "scope": "own"})
    assert not Role.objects.filter(name="X").exists()


def test_admin_cannot_take_admin_rights_from_their_own_role(client, team_a):
    boss = make_user("boss", role="Administrator", team=team_a)
    client.force_login(boss)
    role = Role.objects.get(name="Administrator")
    response = client.post(
        reverse("role-edit", args=[role.pk]), _role_form(name="Administrator", scope="all")
    )
    assert response.status_code == 200 and response.context["form"].errors["is_admin"]
    role.refresh_from_db()
    assert role.is_admin


def test_role_list_shows_rights(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("role-list")).content.decode()
    assert "Read-only" in html and "Sales rep" in html
