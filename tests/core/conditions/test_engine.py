"""The condition language: validation errors, the compiler on top of visibility, and the
evaluator for one record."""

import datetime

import pytest

from kehu.core import conditions
from kehu.core.conditions import ConditionError, Context
from kehu.customers.fields import services as field_services
from kehu.customers.models import Person, Tag
from tests.factories import make_company, make_person, make_user


def ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_every_record_type_is_registered(db):
    assert set(conditions.record_types()) >= {
        "person", "company", "lead", "deal", "quote", "order", "activity",
    }  # fmt: skip
    for key in conditions.record_types():
        for field in conditions.fields_of(key).values():
            assert str(field.label) and field.operators


@pytest.mark.parametrize(
    "condition, where",
    [
        ({"field": "nope", "op": "eq", "value": "x"}, "field"),
        ({"field": "name", "op": "gt", "value": "x"}, "op"),
        ({"field": "name", "op": "eq"}, "value"),
        ({"field": "name", "op": "eq", "value": "x" * 201}, "value"),
        ({"field": "created_at", "op": "on", "value": "2026-13-01"}, "value"),
        ({"field": "created_at", "op": "in_last_days", "value": -1}, "value"),
        ({"field": "owner", "op": "in", "value": []}, "value"),
        ({"field": "owner", "op": "eq", "value": True}, "value"),
        ({"field": "name", "op": "is_empty", "value": "x"}, "value"),
        ({"field": "name", "op": "eq", "value": "x", "sql": "1=1"}, ""),
        ({"all": "x"}, "all"),
        ({"all": [], "any": []}, ""),
        ("name = 'x'", ""),
    ],
)
def test_bad_conditions_say_where(db, condition, where):
    with pytest.raises(ConditionError) as caught:
        conditions.clean(
            "person",
            {"all": [condition]}
            if isinstance(condition, dict) and "all" not in condition
            else condition,
        )
    keys = list(caught.value.errors)
    assert keys and all(isinstance(v, list) and v for v in caught.value.errors.values())
    if where:
        assert any(k.endswith(where) for k in keys), keys


def test_deep_or_wide_conditions_are_refused(db):
    deep: dict = {"field": "name", "op": "contains", "value": "a"}
    for _i in range(8):
        deep = {"not": deep}
    with pytest.raises(ConditionError):
        conditions.clean("person", deep)
    wide = {"any": [{"field": "name", "op": "contains", "value": "a"}] * 51}
    with pytest.raises(ConditionError):
        conditions.clean("person", wide)


def test_unknown_record_type_is_a_key_error(db):
    with pytest.raises(KeyError):
        conditions.fields_of("spaceship")


def test_compiler_narrows_only_what_the_user_sees(db, rep, teammate):
    shanghai = make_company(rep, "上海一号", city="上海")
    mine = make_person(rep, "王芳", company=shanghai.pk)
    theirs = make_person(
        teammate, "李娜", company=make_company(teammate, "上海二号", city="上海").pk
    )
    make_person(rep, "赵六")
    condition = {"all": [{"field": "company.city", "op": "eq", "value": "上海"}]}
    visible = Person.objects.visible_to(rep)
    assert ids(conditions.narrow(visible, "person", condition, Context(user=rep))) == {mine.pk}
    assert theirs.pk not in ids(conditions.narrow(visible, "person", condition))


def test_me_and_dates_and_tags(db, rep, admin_user):
    tag = Tag.objects.create(name="VIP")
    old = make_person(rep, "老客户")
    Person.objects.filter(pk=old.pk).update(
        created_at=datetime.datetime(2020, 1, 5, 12, tzinfo=datetime.UTC)
    )
    new = make_person(admin_user, "新客户", tags=[tag.pk])
    ctx = Context(user=rep)
    everyone = Person.objects.visible_to(admin_user)
    mine = {"field": "owner", "op": "eq", "value": "me"}
    assert ids(conditions.narrow(everyone, "person", mine, ctx)) == {old.pk}
    recent = {"field": "created_at", "op": "in_last_days", "value": 30}
    assert ids(conditions.narrow(everyone, "person", recent, ctx)) == {new.pk}
    before = {"field": "created_at", "op": "before", "value": "2021-01-01"}
    assert ids(conditions.narrow(everyone, "person", before, ctx)) == {old.pk}
    tagged = {"not": {"field": "tags", "op": "has", "value": tag.pk}}
    assert ids(conditions.narrow(everyone, "person", tagged, ctx)) == {old.pk}
    fresh = Person.objects.get(pk=new.pk)
    assert conditions.matches("person", {"field": "tags", "op": "has", "value": tag.pk}, fresh)
    assert not conditions.matches("person", mine, fresh, ctx)


def test_custom_fields_are_fields_too(db, admin_user):
    field_services.create_field(
        admin_user, {"entity": "person", "key": "level", "label": "Level", "type": "number"}
    )
    field_services.create_field(
        admin_user, {"entity": "person", "key": "vip", "label": "VIP", "type": "boolean"}
    )
    high = make_person(admin_user, "甲", custom={"level": 5, "vip": True})
    low = make_person(admin_user, "乙", custom={"level": 1})
    blank = make_person(admin_user, "丙")
    everyone = Person.objects.visible_to(admin_user)
    for condition, expected in [
        ({"field": "custom.level", "op": "gt", "value": 2}, {high.pk}),
        ({"field": "custom.level", "op": "lt", "value": 2}, {low.pk}),
        ({"field": "custom.level", "op": "is_empty"}, {blank.pk}),
        ({"field": "custom.vip", "op": "is_true"}, {high.pk}),
    ]:
        assert ids(conditions.narrow(everyone, "person", condition)) == expected, condition
        for person in Person.objects.filter(pk__in=[high.pk, low.pk, blank.pk]):
            assert conditions.matches("person", condition, person) == (person.pk in expected)


def test_outsider_fields_of_other_types_are_not_offered(db, rep):
    with pytest.raises(ConditionError):
        conditions.clean("deal", {"field": "tags", "op": "has", "value": 1})
    assert make_user  # the factory is shared with the property test
