"""Tags, users, teams (read) and custom field definitions (admins write)."""

import pytest

from kehu.customers.models import CustomField, Tag
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db


def test_tags_list_search_and_detail(rep):
    make_person(rep, "张伟", tags=["vip", "华东", "vip-2"])
    client = bearer_client(rep)
    names = [t["name"] for t in client.get("/api/v1/tags").json()["items"]]
    assert names == sorted(["vip", "华东", "vip-2"])
    assert [t["name"] for t in client.get("/api/v1/tags", {"q": "VIP"}).json()["items"]] == [
        "vip", "vip-2"
    ]  # fmt: skip
    tag = Tag.objects.get(name="vip")
    assert client.get(f"/api/v1/tags/{tag.pk}").json() == {
        "id": tag.pk, "name": "vip", "color": tag.color
    }  # fmt: skip
    assert client.get("/api/v1/tags/99999").status_code == 404


def test_users_and_teams_directory(rep, teammate, outsider, team_a):
    rep.first_name, rep.last_name = "伟", "张"
    rep.email = "rep@example.com"
    rep.save()
    client = bearer_client(outsider)
    body = client.get("/api/v1/users", {"team": team_a.pk}).json()
    assert [u["username"] for u in body["items"]] == ["rep", "teammate"]
    shown = client.get(f"/api/v1/users/{rep.pk}").json()
    assert shown == {
        "id": rep.pk, "username": "rep", "name": rep.get_full_name(), "email": "rep@example.com",
        "team_id": team_a.pk, "team": "Team A", "role": "Sales rep", "is_active": True,
    }  # fmt: skip
    assert "password" not in client.get("/api/v1/users").content.decode()
    assert [u["username"] for u in client.get("/api/v1/users", {"q": "mate"}).json()["items"]] == [
        "teammate"
    ]
    teams = client.get("/api/v1/teams").json()["items"]
    assert [t["name"] for t in teams] == ["Team A", "Team B"]
    assert client.get(f"/api/v1/teams/{team_a.pk}").json() == {"id": team_a.pk, "name": "Team A"}
    assert client.get("/api/v1/users/99999").status_code == 404
    assert client.get("/api/v1/teams/99999").status_code == 404


def test_users_pages_walk_everyone(admin_user):
    for i in range(12):
        make_user(f"user{i:02d}")
    client = bearer_client(admin_user)
    seen, cursor = [], None
    while True:
        body = client.get("/api/v1/users", {"limit": 5, **({"cursor": cursor} if cursor else {})})
        seen += [u["username"] for u in body.json()["items"]]
        cursor = body.json()["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 13


LEVEL = {"entity": "person", "key": "level", "label": "Level", "label_zh": "级别",
         "type": "choice", "choices": ["A", "B"]}  # fmt: skip


def test_admin_defines_changes_and_deactivates_a_custom_field(admin_user, rep):
    admin = bearer_client(admin_user)
    created = send(admin, "post", "/api/v1/custom-fields", LEVEL)
    assert created.status_code == 201, created.content
    field = created.json()
    assert {k: field[k] for k in LEVEL} == LEVEL and field["active"] is True
    url = f"/api/v1/custom-fields/{field['id']}"

    changed = send(admin, "patch", url, {"choices": ["A", "B", "C"], "required": True})
    assert changed.status_code == 200, changed.content
    assert changed.json()["choices"] == ["A", "B", "C"] and changed.json()["required"] is True

    # everyone signed in reads the definitions
    rep_client = bearer_client(rep)
    assert rep_client.get(url).json()["key"] == "level"
    listed = rep_client.get("/api/v1/custom-fields", {"entity": "person"}).json()["items"]
    assert [f["key"] for f in listed] == ["level"]
    assert rep_client.get("/api/v1/custom-fields", {"entity": "company"}).json()["items"] == []

    assert admin.delete(url).status_code == 204
    assert CustomField.objects.get(pk=field["id"]).active is False
    assert rep_client.get("/api/v1/custom-fields", {"active": True}).json()["items"] == []


def test_key_is_made_from_the_label_when_left_out(admin_user):
    body = {"entity": "company", "label": "Annual revenue", "type": "decimal"}
    created = send(bearer_client(admin_user), "post", "/api/v1/custom-fields", body)
    assert created.status_code == 201
    assert created.json()["key"] == "annual_revenue"


def test_only_admins_change_definitions(rep, manager):
    field = CustomField.objects.create(entity="person", key="level", label="Level", type="text")
    for user in (rep, manager):
        client = bearer_client(user)
        assert send(client, "post", "/api/v1/custom-fields", LEVEL | {"key": "x"}).status_code == (
            403
        )
        url = f"/api/v1/custom-fields/{field.pk}"
        assert send(client, "patch", url, {"label": "Grade"}).status_code == 403
        assert client.delete(url).status_code == 403
    field.refresh_from_db()
    assert (field.label, field.active) == ("Level", True)
    assert CustomField.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (LEVEL | {"type": "colour"}, "type"),
        (LEVEL | {"entity": "invoice"}, "entity"),
        (LEVEL | {"key": "Level 1"}, "key"),
        (LEVEL | {"key": "1level"}, "key"),
        (LEVEL | {"choices": []}, "choices"),
        (LEVEL | {"choices": ["A", "A"]}, "choices"),
        (LEVEL | {"type": "text"}, "choices"),  # choices given for a non-choice type
        ({k: v for k, v in LEVEL.items() if k != "label"}, "label"),
        (LEVEL | {"position": -1}, "position"),
        (LEVEL | {"colour": "red"}, "colour"),
    ],
)
def test_bad_definitions_are_422(admin_user, body, field):
    assert_validation(send(bearer_client(admin_user), "post", "/api/v1/custom-fields", body), field)
    assert CustomField.objects.count() == 0


def test_duplicate_key_and_immutable_type_are_422(admin_user):
    admin = bearer_client(admin_user)
    field = send(admin, "post", "/api/v1/custom-fields", LEVEL).json()
    assert_validation(send(admin, "post", "/api/v1/custom-fields", LEVEL), "key")
    url = f"/api/v1/custom-fields/{field['id']}"
    assert_validation(send(admin, "patch", url, {"type": "text"}), "type")
    assert_validation(send(admin, "patch", url, {"required": None}), "required")
    assert CustomField.objects.get(pk=field["id"]).type == "choice"
