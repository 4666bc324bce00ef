"""The read door: one record by id (`get_visible_or_404`) and the colleagues a user may list or
pick (`users_in_scope`), for the owner, a teammate, the team's manager, an outsider and an
administrator."""

import pytest
from django.http import Http404

from kehu.accounts.models import Role
from kehu.activities.models import Activity
from kehu.activities.services import add_note
from kehu.core.access import get_visible_or_404, users_in_scope
from kehu.core.visibility import SCOPE_ALL
from kehu.customers import services
from kehu.customers.models import Person
from tests.factories import make_person, make_user


@pytest.fixture
def person(rep):
    return make_person(rep, "李娜", email="li.na@example.cn")


def test_the_owner_teammates_manager_and_admin_load_a_record_as_their_scope_allows(
    rep, teammate, manager, outsider, admin_user, person
):
    assert get_visible_or_404(Person, rep, person.pk) == person
    assert get_visible_or_404(Person, manager, person.pk) == person
    assert get_visible_or_404(Person, admin_user, person.pk) == person
    for stranger in (teammate, outsider):  # reps see their own records only
        with pytest.raises(Http404):
            get_visible_or_404(Person, stranger, person.pk)


def test_a_missing_or_malformed_id_is_404(rep, person):
    for pk in (person.pk + 1000, "abc", None, ""):
        with pytest.raises(Http404):
            get_visible_or_404(Person, rep, pk)


def test_an_action_the_role_lacks_is_404_never_403(readonly_user, rep, person):
    assert get_visible_or_404(Person, readonly_user, person.pk) == person
    for action in ("edit", "delete", "create", "export"):
        with pytest.raises(Http404):
            get_visible_or_404(Person, readonly_user, person.pk, action)
    assert get_visible_or_404(Person, rep, person.pk, "edit") == person
    with pytest.raises(Http404):
        get_visible_or_404(Person, rep, person.pk, "export")  # reps may not export


def test_a_binned_record_loads_only_when_asked_for(rep, outsider, person):
    services.delete_person(rep, person)
    with pytest.raises(Http404):
        get_visible_or_404(Person, rep, person.pk)
    assert get_visible_or_404(Person, rep, person.pk, include_bin=True) == person
    with pytest.raises(Http404):
        get_visible_or_404(Person, outsider, person.pk, include_bin=True)


def test_a_given_queryset_is_filtered_by_the_door_too(rep, teammate, person):
    services.delete_person(rep, person)
    everything = Person.all_objects.select_related("company")
    with pytest.raises(Http404):  # binned, and the bin was not asked for
        get_visible_or_404(Person, rep, person.pk, queryset=everything)
    with pytest.raises(Http404):  # not the teammate's
        get_visible_or_404(Person, teammate, person.pk, include_bin=True, queryset=everything)
    found = get_visible_or_404(Person, rep, person.pk, include_bin=True, queryset=everything)
    assert found == person
    with pytest.raises(TypeError):
        get_visible_or_404(Person, rep, person.pk, queryset=Activity.objects.all())


def test_activities_load_through_the_door_private_ones_by_their_owner_only(
    rep, manager, outsider, person
):
    note = add_note(rep, person, "谈了价格")
    assert get_visible_or_404(Activity, manager, note.pk) == note
    with pytest.raises(Http404):
        get_visible_or_404(Activity, outsider, note.pk)
    Activity.objects.filter(pk=note.pk).update(private=True)
    assert get_visible_or_404(Activity, rep, note.pk) == note
    with pytest.raises(Http404):
        get_visible_or_404(Activity, manager, note.pk)


def test_users_in_scope_follows_the_record_scope(rep, teammate, manager, outsider, admin_user):
    everyone = [admin_user, manager, outsider, rep, teammate]  # by username
    assert list(users_in_scope(rep, "customers", "read")) == [rep]
    assert list(users_in_scope(manager, "customers", "read")) == [manager, rep, teammate]
    assert list(users_in_scope(outsider, "sales", "edit")) == [outsider]
    assert list(users_in_scope(admin_user, "customers", "read")) == everyone
    assert list(users_in_scope(admin_user, "sales", "delete")) == everyone


def test_users_in_scope_lists_active_users_only(manager, rep, teammate):
    teammate.is_active = False
    teammate.save()
    assert list(users_in_scope(manager, "customers", "read")) == [manager, rep]
    manager.is_active = False
    assert list(users_in_scope(manager, "customers", "read")) == []


def test_users_in_scope_lists_nobody_for_an_action_the_role_lacks(readonly_user, rep, manager):
    assert rep in users_in_scope(readonly_user, "customers", "read")
    assert list(users_in_scope(readonly_user, "customers", "edit")) == []
    assert list(users_in_scope(rep, "customers", "export")) == []
    assert list(users_in_scope(manager, "no-such-module", "read")) == []


def test_a_team_scope_without_a_team_is_oneself(db):
    loner = make_user("loner", role="Manager")
    assert list(users_in_scope(loner, "customers", "read")) == [loner]


def test_activities_follow_the_scope_alone(rep, manager, outsider, teammate):
    # activities have no right of their own: they follow the record they are logged on
    assert list(users_in_scope(manager, "activities")) == [manager, rep, teammate]
    assert list(users_in_scope(outsider, "activities")) == [outsider]


def test_a_wider_scope_is_asked_for_at_the_call(rep, manager, outsider, teammate, db):
    Role.objects.create(name="Nothing", scope="own", permissions={})
    nobody = make_user("nobody", role="Nothing")
    assert list(users_in_scope(nobody, "sales", "edit")) == []
    # an administrator's settings or a meeting's attendees reach every active colleague
    assert list(users_in_scope(rep, "activities", scope=SCOPE_ALL)) == [
        manager,
        nobody,
        outsider,
        rep,
        teammate,
    ]
    assert nobody in users_in_scope(nobody, "sales", "edit", scope=SCOPE_ALL)
