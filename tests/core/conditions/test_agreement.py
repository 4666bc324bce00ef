"""The compiler (SQL) and the evaluator (memory) give the same answer for any condition: a
property test over generated conditions on a fixed set of varied people."""

import datetime
import decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.core import conditions
from kehu.core.conditions import Context
from kehu.customers.fields import services as field_services
from kehu.customers.models import Person, Tag
from tests.factories import make_company, make_person, make_user

TEXTS = ["", "a", "Ab", "上海", "北京", "ab上"]
DAYS = ["2026-03-01", "2026-03-02", "2026-03-31", "2025-12-31"]
NOW = datetime.datetime(2026, 3, 2, 3, 0, tzinfo=datetime.UTC)  # 11:00 on 2 March in Shanghai


def _leaves(tag_ids, user_ids, company_ids):
    text = st.sampled_from([t for t in TEXTS if t])
    day = st.sampled_from(DAYS)
    return st.one_of(
        st.builds(lambda f, o, v: {"field": f, "op": o, "value": v},
                  st.sampled_from(["name", "city", "company.city", "email"]),
                  st.sampled_from(["eq", "ne", "contains", "not_contains", "starts_with"]), text),
        st.builds(lambda f, o: {"field": f, "op": o},
                  st.sampled_from(["city", "company.city", "company", "birthday", "custom.level",
                                   "custom.grade"]),
                  st.sampled_from(["is_empty", "is_not_empty"])),
        st.builds(lambda o, v: {"field": "created_at", "op": o, "value": v},
                  st.sampled_from(["on", "before", "after", "on_or_before", "on_or_after"]), day),
        st.builds(lambda o, v: {"field": "birthday", "op": o, "value": v},
                  st.sampled_from(["on", "before", "after", "on_or_before", "on_or_after"]), day),
        st.builds(lambda f, o, v: {"field": f, "op": o, "value": v},
                  st.sampled_from(["created_at", "birthday"]),
                  st.sampled_from(["in_last_days", "in_next_days"]), st.integers(0, 40)),
        st.builds(lambda o, v: {"field": "custom.level", "op": o, "value": v},
                  st.sampled_from(["eq", "ne", "gt", "gte", "lt", "lte"]),
                  st.sampled_from([0, 1, 2.5, "3", -1])),
        st.builds(lambda o, v: {"field": "custom.grade", "op": o, "value": v},
                  st.sampled_from(["eq", "ne", "contains"]), st.sampled_from(["A", "b"])),
        st.builds(lambda o: {"field": "custom.vip", "op": o},
                  st.sampled_from(["is_true", "is_false"])),
        st.builds(lambda o, v: {"field": "tags", "op": o, "value": v},
                  st.sampled_from(["has", "has_not"]), st.sampled_from(tag_ids)),
        st.builds(lambda o, v: {"field": "owner", "op": o, "value": v},
                  st.sampled_from(["eq", "ne"]), st.sampled_from([*user_ids, "me"])),
        st.builds(lambda o, v: {"field": "owner", "op": o, "value": v},
                  st.sampled_from(["in", "not_in"]),
                  st.lists(st.sampled_from([*user_ids, "me"]), min_size=1, max_size=3)),
        st.builds(lambda o, v: {"field": "company", "op": o, "value": v},
                  st.sampled_from(["eq", "ne"]), st.sampled_from(company_ids)),
        st.builds(lambda o, v: {"field": "owner.team", "op": o, "value": v},
                  st.sampled_from(["eq", "ne"]), st.sampled_from([1, 2])),
    )  # fmt: skip


def _conditions(leaves):
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.builds(lambda xs: {"all": xs}, st.lists(inner, max_size=3)),
            st.builds(lambda xs: {"any": xs}, st.lists(inner, max_size=3)),
            st.builds(lambda x: {"not": x}, inner),
        ),
        max_leaves=6,
    )


def test_compiler_and_evaluator_agree(db, admin_user, team_a):
    for key, kind in (("level", "decimal"), ("grade", "text"), ("vip", "boolean")):
        field_services.create_field(
            admin_user, {"entity": "person", "key": key, "label": key, "type": kind}
        )
    other = make_user("other", team=team_a)
    tags = [Tag.objects.create(name="VIP"), Tag.objects.create(name="新")]
    companies = [make_company(admin_user, "上海公司", city="上海"),
                 make_company(admin_user, "Ab Co", city="")]  # fmt: skip
    customs = [{}, {"level": 1}, {"level": 2.5, "grade": "A"}, {"level": -1, "vip": False},
               {"vip": True, "grade": "ab"}, {"level": 0}]  # fmt: skip
    for i in range(12):
        person = make_person(
            admin_user,
            ["a", "Ab", "上海", "ab上", "北京人", "x"][i % 6],
            city=TEXTS[i % len(TEXTS)],
            email=["", "ab@example.com"][i % 2],
            company=companies[i % 3].pk if i % 3 < 2 else None,
            birthday=[None, "2026-03-01", "2026-03-02", "2025-12-31", "2026-03-20"][i % 5],
            tags=[t.pk for t in tags[: i % 3]],
            custom=customs[i % len(customs)],
        )
        moment = datetime.datetime(2026, 3, 1, 12, 30, tzinfo=datetime.UTC) + datetime.timedelta(
            hours=i
        )
        Person.objects.filter(pk=person.pk).update(
            created_at=moment - datetime.timedelta(days=i % 4),
            owner=admin_user if i % 3 else other,
        )
    people = list(Person.objects.select_related("company", "owner").prefetch_related("tags"))
    everyone = Person.objects.visible_to(admin_user)
    ctx = Context(user=other, now=NOW, zone=datetime.timezone(datetime.timedelta(hours=8)))
    users = [admin_user.pk, other.pk]

    @settings(max_examples=40, database=None)
    @given(_conditions(_leaves([t.pk for t in tags], users, [c.pk for c in companies])))
    def agree(condition):
        in_sql = set(
            conditions.narrow(everyone, "person", condition, ctx).values_list("pk", flat=True)
        )
        in_memory = {p.pk for p in people if conditions.matches("person", condition, p, ctx)}
        assert in_sql == in_memory, condition

    agree()
    assert decimal  # values may be Decimals; they compare with the stored ones exactly
