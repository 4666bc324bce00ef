"""Filtering and keyset sorting by custom fields, through the index made with each field."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.core.pagination import BadCursor, encode_cursor, paginate
from kehu.customers import queries
from kehu.customers.fields import services as field_services
from kehu.customers.models import Company, Person
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db

TYPES = {
    "text": "text", "long_text": "long_text", "number": "number", "decimal": "decimal",
    "date": "date", "boolean": "boolean", "choice": "choice", "multi_choice": "multi_choice",
    "url": "url", "email": "email", "phone": "phone",
}  # fmt: skip


@pytest.fixture
def fields(admin_user):
    made = {}
    for key, kind in TYPES.items():
        data = {"entity": "person", "key": f"f_{key}", "label": key, "type": kind}
        if kind in ("choice", "multi_choice"):
            data["choices"] = ["金", "silver", "bronze"]
        made[key] = field_services.create_field(admin_user, data)
    return made


def _walk(qs, sort, limit):
    """Every page from the first cursor to the last: the rows in order, and the page count."""
    seen, cursor, pages = [], None, 0
    while True:
        page = paginate(qs, sort, cursor, limit)
        seen += [p.pk for p in page.items]
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("text", ["b", "a", "c", "a", None, "b", None, "张", "a"]),
        ("number", [5, -3, 10, 5, None, 0, None, 2**53, -(2**53)]),
        ("decimal", ["1.50", "-0.25", "10", "1.5", None, "3.14159", None, "0", "999999.99"]),
        (
            "date",
            ["2024-02-29", "1999-12-31", None, "2024-02-29", "2030-01-01", None, "2000-01-01"],
        ),
        ("boolean", [True, False, None, True, False, None, True]),
        ("choice", ["silver", "金", None, "bronze", "silver", None]),
        ("long_text", ["x" * 300, "y", None, "x" * 250 + "a", "x" * 5, None]),
    ],
)
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_sort_pages_have_no_repeats_or_gaps(admin_user, fields, kind, values, descending):
    definition = fields[kind]
    for i, value in enumerate(values * 3):
        custom = {} if value is None else {definition.key: value}
        make_person(admin_user, f"p{i}", custom=custom)
    make_person(admin_user, "gone", custom={definition.key: values[0]}).delete()  # soft-deleted
    sort = ("-" if descending else "") + f"cf_{definition.key}"
    assert queries.clean_sort(sort, "person") == sort
    qs = Person.objects.all()
    seen, pages = _walk(qs, sort, limit=4)
    assert pages > 3
    assert len(seen) == len(set(seen)) == len(values) * 3
    expression = queries.custom_expression(definition)
    expected = list(
        qs.annotate(k=expression)
        .order_by(*(["-k", "-id"] if descending else ["k", "id"]))
        .values_list("id", flat=True)
    )
    assert seen == expected
    by_id = {p.pk: p.custom.get(definition.key) for p in qs}
    present = [by_id[pk] for pk in seen if by_id[pk] is not None]
    missing = [pk for pk in seen if by_id[pk] is None]
    assert len(missing) == values.count(None) * 3
    # records lacking the value come first ascending, last descending
    if descending:
        assert seen[-len(missing) :] == sorted(missing, reverse=True)
    else:
        assert seen[: len(missing)] == sorted(missing)
    if kind in ("number", "decimal"):
        numbers = [float(v) for v in present]
        assert numbers == sorted(numbers, reverse=descending)
    elif kind == "date":
        dates = [datetime.date.fromisoformat(v) for v in present]
        assert dates == sorted(dates, reverse=descending)
    elif kind == "boolean":
        assert present == sorted(present, reverse=descending)


def test_sort_by_company_field(admin_user):
    definition = field_services.create_field(
        admin_user, {"entity": "company", "key": "revenue", "label": "Revenue", "type": "decimal"}
    )
    for i, value in enumerate(["5", None, "12.5", "-1", None, "12.5"]):
        make_company(admin_user, f"c{i}", custom={} if value is None else {"revenue": value})
    seen, _ = _walk(Company.objects.all(), "cf_revenue", limit=2)
    values = [Company.objects.get(pk=pk).custom.get("revenue") for pk in seen]
    assert values == [None, None, "-1", "5", "12.5", "12.5"]
    assert field_services.has_index(definition)


def test_clean_sort_accepts_only_active_sortable_fields(admin_user, fields):
    assert queries.clean_sort("cf_f_text") == "name"  # no entity: the old behaviour
    assert queries.clean_sort("-cf_f_text", "person") == "-cf_f_text"
    assert queries.clean_sort("cf_f_text", "company") == "name"
    assert queries.clean_sort("cf_f_multi_choice", "person") == "name"
    assert queries.clean_sort("cf_nope", "person") == "name"
    assert queries.clean_sort("--cf_f_text", "person") == "name"
    assert queries.clean_sort("-created_at", "person") == "-created_at"
    field_services.deactivate_field(admin_user, fields["text"])
    assert queries.clean_sort("cf_f_text", "person") == "name"


def test_bad_cursors_for_custom_sorts(admin_user, fields):
    make_person(admin_user, "a", custom={"f_number": 1})
    with pytest.raises(BadCursor):
        paginate(Person.objects.all(), "cf_f_number", encode_cursor("abc", 1), 10)
    with pytest.raises(BadCursor):
        paginate(Person.objects.all(), "cf_f_text", encode_cursor(3, 1), 10)
    with pytest.raises(BadCursor):
        paginate(Person.objects.all(), "cf_f_text", "not-a-cursor", 10)


def _filter(params):
    return set(
        queries.apply_filters(Person.objects.all(), params, "person").values_list("name", flat=True)
    )


def test_filter_by_each_field_type(admin_user, fields):
    make_person(admin_user, "甲", custom={
        "f_text": "Key Account", "f_long_text": "Met at the Canton Fair", "f_number": 42,
        "f_decimal": "3.50", "f_date": "2024-05-01", "f_boolean": True, "f_choice": "金",
        "f_multi_choice": ["金", "silver"], "f_url": "https://example.com/a",
        "f_email": "jia@example.com", "f_phone": "+8613800138000"})  # fmt: skip
    make_person(admin_user, "乙", custom={
        "f_text": "small account", "f_long_text": "cold call", "f_number": 7,
        "f_decimal": "3.5001", "f_date": "2024-05-02", "f_boolean": False, "f_choice": "silver",
        "f_multi_choice": ["silver"], "f_url": "https://example.org/b",
        "f_email": "yi@example.org", "f_phone": "+8613900139000"})  # fmt: skip
    make_person(admin_user, "丙")
    cases = {
        "f_text": ("ACCOUNT", {"甲", "乙"}),  # contains, any case
        "f_long_text": ("canton", {"甲"}),
        "f_number": ("42", {"甲"}),
        "f_decimal": ("3.5", {"甲"}),  # equal as numbers: 3.50 == 3.5
        "f_date": ("2024-05-02", {"乙"}),
        "f_boolean": ("yes", {"甲"}),
        "f_choice": ("金", {"甲"}),
        "f_multi_choice": ("silver", {"甲", "乙"}),
        "f_url": ("example.org", {"乙"}),
        "f_email": ("JIA@", {"甲"}),
        "f_phone": ("139 0013 9000", {"乙"}),
    }
    for key, (raw, expected) in cases.items():
        assert _filter({f"cf_{key}": raw}) == expected, key
    assert _filter({"cf_f_boolean": "no"}) == {"乙"}
    assert _filter({"cf_f_number": "42", "cf_f_choice": "silver"}) == set()


@pytest.mark.parametrize(
    ("param", "raw"),
    [
        ("cf_f_number", "many"),
        ("cf_f_date", "May 1st"),
        ("cf_f_boolean", "maybe"),
        ("cf_f_choice", "platinum"),
        ("cf_nope", "x"),
    ],  # fmt: skip
)
def test_bad_filter_values_are_field_errors(fields, param, raw):
    with pytest.raises(ValidationError) as exc:
        _filter({param: raw})
    assert param in exc.value.message_dict


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")  # a small table: ask whether it *can*
        cursor.execute(f"EXPLAIN {sql}", params)
        return " ".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("kind", ["text", "number", "decimal", "date", "boolean", "choice"])
def test_filter_and_sort_use_the_fields_index(admin_user, fields, kind):
    definition = fields[kind]
    name = field_services.index_name(definition)
    samples = {"text": "v", "number": 1, "decimal": "1.5", "date": "2024-01-01",
               "boolean": True, "choice": "silver"}  # fmt: skip
    owner = admin_user
    Person.objects.bulk_create(
        Person(owner=owner, name=f"p{i}", custom={definition.key: samples[kind]} if i % 3 else {})
        for i in range(300)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    raw = {"text": "v", "number": "1", "decimal": "1.5", "date": "2024-01-01",
           "boolean": "yes", "choice": "silver"}[kind]  # fmt: skip
    if kind != "text":  # text filters by "contains", which no B-tree serves
        filtered = queries.apply_filters(Person.objects.all(), {f"cf_{definition.key}": raw},
                                         "person").order_by("id")[:10]  # fmt: skip
        sql, params = filtered.query.sql_with_params()
        assert name in _plan(sql, params)
    sort = f"cf_{definition.key}"
    first = paginate(Person.objects.all(), sort, None, 10)
    for order in (sort, f"-{sort}"):
        with CaptureQueriesContext(connection) as queries_run:
            paginate(Person.objects.all(), order, first.next_cursor, 10)
        for query in queries_run.captured_queries:
            if "LIMIT" in query["sql"] and "customers_person" in query["sql"]:
                plan = _plan(query["sql"], None)
                assert name in plan, plan
                assert "TEMP B-TREE" not in plan and "Sort" not in plan.split("Index")[0]


@pytest.mark.django_db
def test_a_field_can_be_created_after_people_in_the_same_transaction(admin_user):
    """PostgreSQL refuses CREATE INDEX while deferred foreign-key checks are pending."""
    from kehu.customers.fields import services as field_services
    from tests.factories import make_person

    make_person(admin_user, "张伟")
    field = field_services.create_field(
        admin_user, {"entity": "person", "label": "Level", "type": "text"}
    )
    assert field.pk
