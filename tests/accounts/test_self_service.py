"""A user's own profile, language and API tokens change only through their services: the owner
can, anyone else cannot (404 or 403, as the pages answer), each change is audited (field, old,
new; never a password or a token's secret) and announced, and bad input saves nothing.
Administrators' changes of users, teams and roles are announced as well."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from kehu.accounts import profile, services, tokens
from kehu.accounts.models import ApiToken, Role, Team, User
from kehu.core import events
from kehu.core.audit import history
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def emitted():
    """Every event emitted during the test, as (name, payload)."""
    received = []

    def handler(event, **payload):
        received.append((event, payload))

    events.subscribe("*")(handler)
    yield received
    events._handlers["*"].remove(handler)


@pytest.fixture
def lina(db):
    # the whole name in first_name (decision: one name field)
    return make_user("lina", first_name="李娜", time_zone="Asia/Shanghai")


def names(emitted) -> list[str]:
    return [event for event, _payload in emitted]


def profile_form(**overrides):
    data = {"name": "李小娜", "language": "zh-hans", "time_zone": "UTC"}
    data.update(overrides)
    return data


# ---------------------------------------------------------------- profile


def test_the_owner_saves_their_profile_audited_and_announced(client, lina, emitted):
    client.force_login(lina)
    response = client.post(reverse("profile"), profile_form())
    assert response.status_code == 302
    lina.refresh_from_db()
    assert (lina.first_name, lina.language, lina.time_zone) == ("李小娜", "zh-hans", "UTC")
    assert (lina.last_name, str(lina)) == ("", "李小娜")
    entry = history(lina).first()
    assert entry.actor == lina and entry.action == "update"
    assert entry.changes == {
        "first_name": ["李娜", "李小娜"],
        "language": ["", "zh-hans"],
        "time_zone": ["Asia/Shanghai", "UTC"],
    }
    assert names(emitted) == ["user.updated"]
    assert emitted[0][1]["record"] == lina and emitted[0][1]["changes"] == entry.changes


def test_saving_an_unchanged_profile_writes_no_audit_entry(client, lina, emitted):
    client.force_login(lina)
    same = profile_form(name="李娜", language="", time_zone="Asia/Shanghai")
    assert client.post(reverse("profile"), same).status_code == 302
    assert not history(lina).exists() and emitted == []


def test_nobody_else_changes_a_users_profile(lina, admin_user, emitted):
    other = make_user("wangfang")
    for actor in (other, admin_user, None):  # administrators use the user settings
        with pytest.raises(PermissionDenied):
            profile.update_profile(actor, lina, {"first_name": "Mallory"})
    lina.refresh_from_db()
    assert lina.first_name == "李娜" and not history(lina).exists() and emitted == []


@pytest.mark.parametrize(
    "changes",
    [
        {"first_name": "Lina", "time_zone": "Mars/Olympus_Mons"},
        {"first_name": "Lina", "language": "tlh"},
        {"first_name": "x" * 151},
        {"first_name": "Lina", "email": "lina@elsewhere.example"},  # not through the profile
        {"is_superuser": True},
    ],
)
def test_bad_profile_input_saves_nothing(lina, emitted, changes):
    with pytest.raises(ValidationError) as caught:
        profile.update_profile(lina, lina, changes)
    assert caught.value.message_dict
    fresh = User.objects.get(pk=lina.pk)
    assert (fresh.first_name, fresh.language, fresh.time_zone) == ("李娜", "", "Asia/Shanghai")
    assert (fresh.email, fresh.is_superuser) == ("", False)
    assert not history(lina).exists() and emitted == []


def test_the_profile_page_shows_a_bad_time_zone_and_saves_nothing(client, lina, emitted):
    client.force_login(lina)
    response = client.post(reverse("profile"), profile_form(time_zone="Mars/Olympus_Mons"))
    assert response.status_code == 200
    assert "“Mars/Olympus_Mons” is not a time zone Kehu knows." in response.content.decode()
    assert User.objects.get(pk=lina.pk).first_name == "李娜"
    assert not history(lina).exists() and emitted == []


def test_the_language_switch_is_remembered_audited_and_announced(client, lina, emitted):
    client.force_login(lina)
    response = client.post(reverse("set-language"), {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302
    assert User.objects.get(pk=lina.pk).language == "zh-hans"
    assert history(lina).get().changes == {"language": ["", "zh-hans"]}
    assert names(emitted) == ["user.updated"]
    # an unknown language changes nothing
    client.post(reverse("set-language"), {"language": "tlh", "next": "/"})
    assert User.objects.get(pk=lina.pk).language == "zh-hans" and len(emitted) == 1


# ---------------------------------------------------------------- API tokens


def test_the_owner_creates_a_token_audited_without_its_secret(client, lina, emitted):
    client.force_login(lina)
    response = client.post(reverse("token-list"), {"name": "website form"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    token = ApiToken.objects.get(user=lina)
    assert token.name == "website form" and token.key_hash == ApiToken.hash(secret)
    entry = history(token).get()
    assert entry.actor == lina and entry.action == "create"
    assert entry.changes == {"name": [None, "website form"], "user": [None, "lina"]}
    written = json.dumps(entry.changes)
    assert secret not in written and token.key_hash not in written
    assert names(emitted) == ["token.created"] and emitted[0][1]["record"] == token
    assert secret not in repr(emitted)


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_without_a_proper_name_is_not_made(client, lina, emitted, name):
    client.force_login(lina)
    response = client.post(reverse("token-list"), {"name": name})
    assert response.status_code == 200 and response.context["new_secret"] is None
    assert not ApiToken.objects.exists() and emitted == []
    with pytest.raises(ValidationError):
        tokens.create_token(lina, name)
    assert not ApiToken.objects.exists() and emitted == []


def test_nobody_makes_tokens_for_someone_else(lina, admin_user, emitted):
    for actor in (make_user("wangfang"), admin_user):
        with pytest.raises(PermissionDenied):
            tokens.create_token(actor, "mine now", owner=lina)
    assert not ApiToken.objects.exists() and emitted == []
    # the command line (the system) may; a deactivated user gets none
    token, _secret = tokens.create_token(None, "Command line", owner=lina)
    assert token.user == lina and history(token).get().actor is None
    services.deactivate_user(None, lina)
    with pytest.raises(ValidationError):
        tokens.create_token(None, "again", owner=lina)


def test_the_owner_revokes_their_token_audited_and_announced(client, lina, emitted):
    token, secret = tokens.create_token(lina, "laptop")
    emitted.clear()
    client.force_login(lina)
    response = client.post(reverse("token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and ApiToken.authenticate(secret) is None
    entry = history(token).filter(action="update").get()
    assert entry.actor == lina and list(entry.changes) == ["revoked_at"]
    assert names(emitted) == ["token.revoked"]
    # revoked once: a second try finds nothing
    assert client.post(reverse("token-revoke", args=[token.pk])).status_code == 404
    assert names(emitted) == ["token.revoked"]


def test_nobody_else_revokes_a_token(client, lina, admin_user, emitted):
    token, secret = tokens.create_token(lina, "laptop")
    emitted.clear()
    for actor in (make_user("wangfang"), admin_user):
        client.force_login(actor)
        assert client.post(reverse("token-revoke", args=[token.pk])).status_code == 404
        with pytest.raises(Http404):
            tokens.revoke_token(actor, token.pk)
    assert ApiToken.authenticate(secret) == lina
    assert history(token).filter(action="update").count() == 0 and emitted == []


def test_deactivating_a_user_revokes_each_token_audited(admin_user, lina, emitted):
    first, first_secret = tokens.create_token(lina, "laptop")
    second, _secret = tokens.create_token(lina, "phone")
    emitted.clear()
    services.deactivate_user(admin_user, lina)
    assert not tokens.active_tokens(lina).exists()
    for token in (first, second):
        assert history(token).filter(action="update", actor=admin_user).count() == 1
    assert sorted(names(emitted)) == ["token.revoked", "token.revoked", "user.updated"]
    assert ApiToken.authenticate(first_secret) is None


# ---------------------------------------------------------------- administrators' changes


def test_a_password_reset_is_announced_without_the_password(admin_user, lina, emitted):
    services.set_password(admin_user, lina, "Lantern-Harbour-42")
    assert names(emitted) == ["user.updated"]
    assert "Lantern-Harbour-42" not in repr(emitted[0][1]["changes"])
    assert "Lantern-Harbour-42" not in json.dumps(history(lina).get().changes)
    emitted.clear()
    with pytest.raises(ValidationError):
        services.set_password(admin_user, lina, "123")
    assert emitted == [] and history(lina).count() == 1


def test_user_team_and_role_changes_are_announced(admin_user, lina, emitted):
    services.unlock_user(admin_user, lina)
    services.deactivate_user(admin_user, lina)
    services.activate_user(admin_user, lina)
    team = services.create_team(admin_user, {"name": "华东"})
    services.update_team(admin_user, team, {"name": "华南"})
    role = services.create_role(admin_user, {"name": "Intern", "scope": "own"})
    services.update_role(admin_user, role, {"scope": "team"})
    assert names(emitted) == ["user.updated"] * 3 + [
        "team.created", "team.updated", "role.created", "role.updated",
    ]  # fmt: skip
    assert emitted[4][1]["changes"] == {"name": ["华东", "华南"]}
    # refused input is neither written nor announced
    emitted.clear()
    with pytest.raises(ValidationError):
        services.create_team(admin_user, {"name": "华南"})
    with pytest.raises(ValidationError):
        services.update_role(admin_user, role, {"scope": "galaxy"})
    assert emitted == [] and Team.objects.filter(name="华南").count() == 1
    assert Role.objects.get(pk=role.pk).scope == "team"
