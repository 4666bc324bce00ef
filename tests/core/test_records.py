"""The shared write path: permission, validation, versions, audit history, recycle bin."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from kehu.core import audit, events
from kehu.core.records import VersionConflict
from kehu.customers import services
from kehu.customers.models import Person, Tag
from tests.factories import make_company, make_person, make_user

pytestmark = pytest.mark.django_db


def test_create_records_history_and_emits_event(rep):
    seen = []
    handler = events.subscribe("person.created")(lambda **kw: seen.append(kw["record"].name))
    try:
        person = make_person(rep, "王芳", email="Wang.Fang@Example.COM", tags=["VIP", "潜在客户"])
    finally:
        events._handlers["person.created"].remove(handler)
    assert seen == ["王芳"]
    assert person.email == "Wang.Fang@example.com"
    assert person.owner == rep and person.version == 1
    entry = audit.history(person).get()
    assert entry.action == "create" and entry.actor == rep
    assert entry.changes["name"] == [None, "王芳"]
    assert entry.changes["tags"] == [None, "VIP, 潜在客户"]


def test_update_bumps_version_and_records_old_and_new_values(rep):
    person = make_person(rep, "王芳", city="上海")
    person = services.update_person(rep, person, {"city": "北京", "title": "CTO"}, 1)
    assert person.version == 2
    entry = audit.history(person).first()
    assert entry.action == "update"
    assert entry.changes == {"city": ["上海", "北京"], "title": ["", "CTO"]}


def test_update_without_changes_keeps_the_version(rep):
    person = make_person(rep, "王芳")
    person = services.update_person(rep, person, {"name": "王芳"}, 1)
    assert person.version == 1 and audit.history(person).count() == 1


def test_stale_version_is_a_conflict_and_changes_nothing(rep):
    person = make_person(rep, "王芳")
    services.update_person(rep, person, {"city": "北京"}, 1)
    with pytest.raises(VersionConflict) as caught:
        services.update_person(rep, person, {"city": "深圳"}, 1)
    assert caught.value.current.city == "北京"
    assert Person.objects.get(pk=person.pk).city == "北京"


def test_bad_input_saves_nothing(rep):
    with pytest.raises(ValidationError) as caught:
        services.create_person(rep, {"name": "  ", "email": "not-an-email", "phone": "12"})
    assert set(caught.value.message_dict) == {"name", "email", "phone"}
    assert not Person.all_objects.exists()
    person = make_person(rep, "王芳")
    with pytest.raises(ValidationError):
        services.update_person(rep, person, {"city": "北京", "phone": "abc"})
    person.refresh_from_db()
    assert person.city == "" and person.version == 1


def test_writes_respect_role_and_scope(rep, outsider, manager, db):
    person = make_person(rep, "王芳")
    with pytest.raises(Http404):
        services.update_person(outsider, person, {"city": "北京"})
    with pytest.raises(Http404):
        services.delete_person(outsider, person)
    services.update_person(manager, person, {"city": "北京"})
    reader = make_user("reader", role="Read-only")
    with pytest.raises(PermissionDenied):
        services.update_person(reader, person, {"city": "深圳"})
    with pytest.raises(PermissionDenied):
        services.create_person(reader, {"name": "李四"})


def test_a_rep_cannot_give_records_away_or_link_hidden_companies(rep, outsider):
    hidden = make_company(outsider, "别人的公司")
    with pytest.raises(ValidationError) as caught:
        services.create_person(rep, {"name": "王芳", "owner": outsider.pk, "company": hidden.pk})
    assert set(caught.value.message_dict) == {"owner", "company"}


def test_delete_and_restore_are_recorded(rep):
    person = make_person(rep, "王芳")
    services.delete_person(rep, person)
    assert not Person.objects.filter(pk=person.pk).exists()
    binned = Person.all_objects.visible_to(rep).in_recycle_bin().get()
    services.restore_person(rep, binned)
    assert Person.objects.filter(pk=person.pk).exists()
    assert [e.action for e in audit.history(person)] == ["restore", "delete", "create"]


def test_deleted_company_people_are_unlinked_with_history_and_relinked(rep):
    company = make_company(rep, "阿里巴巴")
    people = [make_person(rep, n, company=company.pk) for n in ("马云", "蔡崇信")]
    services.delete_company(rep, company)
    for person in people:
        person.refresh_from_db()
        assert person.company is None
        assert audit.history(person).first().changes == {"company": ["阿里巴巴", None]}
    services.restore_company(rep, company)
    assert set(company.people.values_list("name", flat=True)) == {"马云", "蔡崇信"}


def test_tags_by_id_and_name_are_linked_once_each(rep):
    known = Tag.objects.create(name="VIP")
    person = make_person(rep, "王芳", tags=[known.pk, "VIP", " VIP ", "新客户", str(known.pk)])
    stored = Person.objects.get(pk=person.pk)
    assert sorted(t.name for t in stored.tags.all()) == ["VIP", "新客户"]
    assert sorted(t.name for t in person.tags.all()) == ["VIP", "新客户"]
    assert audit.history(person).get().changes["tags"] == [None, "VIP, 新客户"]
    assert Tag.objects.filter(name="VIP").count() == 1


@pytest.mark.parametrize("unknown", [999_999, "999999", "99999999999999999999"])
def test_an_unknown_tag_id_is_a_validation_error_and_saves_nothing(rep, unknown):
    with pytest.raises(ValidationError) as caught:
        services.create_person(rep, {"name": "王芳", "tags": ["新客户", unknown]})
    assert set(caught.value.message_dict) == {"tags"}
    assert not Person.all_objects.exists() and not Tag.objects.filter(name="新客户").exists()


def test_a_tag_of_non_ascii_digits_is_a_name_not_an_id(rep):
    """A tag named "²" (which str.isdigit calls a digit) is a name, not a tag id."""
    assert [t.name for t in services.resolve_tags(["²", "１２"])] == ["²", "１２"]


def test_changing_tags_records_old_and_new_names_and_answers_what_is_stored(rep):
    person = make_person(rep, "王芳", tags=["老客户", "VIP"])
    person = services.update_person(rep, person, {"tags": ["VIP", "重点", "重点"]}, 1)
    assert sorted(t.name for t in person.tags.all()) == ["VIP", "重点"]
    assert sorted(t.name for t in Person.objects.get(pk=person.pk).tags.all()) == ["VIP", "重点"]
    assert audit.history(person).first().changes == {"tags": ["VIP, 老客户", "VIP, 重点"]}
    person = services.update_person(rep, person, {"tags": []}, 2)
    assert list(person.tags.all()) == [] and not Person.objects.get(pk=person.pk).tags.exists()
