"""Names sort by pinyin (decision 0023): the key, keyset pages across the order's boundaries
on whichever database the tests run on, the batched fill of the migration, and odd input."""

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.core.pagination import paginate
from kehu.core.sort_key_migrations import fill_table
from kehu.core.sort_keys import KEY_LENGTH, name_reading, name_sort_key
from kehu.customers.models import Company, Person
from tests.factories import make_company, make_person

#: people's names in the order a list sorted by name shows them
PEOPLE_IN_ORDER = [
    "3M",  # digits first, in numeric order: 3 before 10
    "10X",
    "阿里巴巴",  # a li ba ba
    "Apple",
    "apple inc",
    "重庆火锅",  # chong qing (重 read as in 重庆, not zhong)
    "Émile",  # accents do not count: emile
    "Li Na",  # same reading as 李娜: side by side, Latin first
    "李娜",
    "林啊",  # lin a: after li na, before lina
    "Lina",
    "单",  # as a surname: shan, not dan
    "单田芳",
    "曾",  # as a surname: zeng, not ceng
    "曾小贤",
    "张伟",
    "Zoe",
    "😀",  # nothing to read: last
]


@pytest.mark.parametrize(
    ("name", "person", "reading"),
    [
        ("张伟", True, "zhang wei"),
        ("張偉", True, "zhang wei"),  # traditional reads as simplified
        ("Li Na", True, "li na"),
        ("  LI   NA ", True, "li na"),  # case and spacing do not count
        ("单", True, "shan"),
        ("单", False, "dan"),  # not a person: the everyday reading
        ("曾", True, "zeng"),
        ("曾经", False, "ceng jing"),
        ("重庆啤酒", False, "chong qing pi jiu"),
        ("银行", False, "yin hang"),
        ("2号店", False, "0000000002 hao dian"),
        ("０７号", False, "0000000007 hao"),  # full-width digits
        ("IBM中国", False, "ibm zhong guo"),
        ("トヨタ", False, "トヨタ"),  # other scripts: their letters, after Latin ones
        ("!!!", False, ""),
        ("", False, ""),
    ],
)
def test_readings(name, person, reading):
    assert name_reading(name, person) == reading


def test_the_order_of_people():
    shuffled = sorted(PEOPLE_IN_ORDER, key=hash)
    assert sorted(shuffled, key=lambda n: name_sort_key(n, person=True)) == PEOPLE_IN_ORDER


def test_traditional_and_simplified_share_a_key():
    assert name_sort_key("張偉", person=True) == name_sort_key("张伟", person=True)
    assert name_sort_key("APPLE") == name_sort_key("apple")


def test_a_name_with_nothing_to_read_sorts_last():
    assert name_sort_key("###") > name_sort_key("zzz") > name_sort_key("Apple")


@given(st.text(max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_text_has_a_bounded_key(text):
    key = name_sort_key(text, person=True)
    assert len(key) <= KEY_LENGTH and "\x00" not in key


# -- on the database ---------------------------------------------------------------------------


@pytest.fixture
def people(db, admin_user):
    for name in sorted(PEOPLE_IN_ORDER, key=lambda n: n.encode()):  # ids unlike the order
        make_person(admin_user, name)
    make_person(admin_user, "張偉")  # the same key as 张伟: after it, by id


def names_of(items):
    return [p.name for p in items]


EXPECTED = [*PEOPLE_IN_ORDER[:16], "張偉", *PEOPLE_IN_ORDER[16:]]


@pytest.mark.parametrize("limit", [1, 2, 3, 7, 200])
def test_keyset_pages_follow_the_pinyin_order(people, limit):
    for sort, expected in (("name", EXPECTED), ("-name", EXPECTED[::-1])):
        seen, cursor = [], None
        while True:
            page = paginate(Person.objects.all(), sort, cursor, limit)
            seen += names_of(page.items)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        # equal keys come by id, descending too: 張偉 (made last) before 张伟
        assert seen == expected, (connection.vendor, sort, limit)


def test_the_database_compares_keys_as_python_does(people):
    keys = list(Person.objects.order_by("name_sort_key", "id").values_list("name_sort_key"))
    assert keys == sorted(keys)


def test_api_ordering_by_name(people, client, admin_user):
    client.force_login(admin_user)
    seen, cursor = [], ""
    while True:
        answer = client.get("/api/v1/people", {"ordering": "name", "limit": 4, "cursor": cursor})
        assert answer.status_code == 200
        body = answer.json()
        seen += [item["name"] for item in body["items"]]
        if not body["next_cursor"]:
            break
        cursor = body["next_cursor"]
    assert seen == EXPECTED


def test_the_services_keep_the_key_current(db, admin_user):
    from kehu.customers import services

    person = make_person(admin_user, "曾小贤")
    assert person.name_sort_key.startswith("zeng xiao xian")
    person = services.update_person(admin_user, person, {"name": "Anna"})
    assert Person.objects.get(pk=person.pk).name_sort_key.startswith("anna")
    company = make_company(admin_user, "单位")
    assert company.name_sort_key.startswith("dan wei")


def test_the_migration_fill_writes_every_row_in_batches(people, admin_user):
    binned = make_company(admin_user, "重庆啤酒")
    Company.objects.filter(pk=binned.pk).update(deleted_at="2026-01-01T00:00:00Z")
    Person.objects.update(name_sort_key="")
    Company.all_objects.update(name_sort_key="")
    assert fill_table(connection, "customers_person", person=True, batch=4) == len(EXPECTED)
    assert fill_table(connection, "customers_company", person=False, batch=4) == 1
    for person in Person.objects.all():
        assert person.name_sort_key == name_sort_key(person.name, person=True)
    assert Company.all_objects.get(pk=binned.pk).name_sort_key.startswith("chong qing pi jiu")


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db
def test_postgres_compares_keys_byte_by_byte_whatever_the_database_locale():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name = 'name_sort_key' ORDER BY table_name"
        )
        found = cursor.fetchall()
    assert found == [
        ("customers_company", "C"),
        ("customers_person", "C"),
        ("sales_deal", "C"),
        ("sales_lead", "C"),
    ]


def test_deal_and_lead_lists_sort_by_pinyin(db, client, admin_user):
    from kehu.sales.leads import services as leads
    from tests.factories import make_deal

    for name in ["重庆项目", "Apple 续约", "阿里云采购", "10 台服务器"]:
        make_deal(admin_user, name)
    for name in ["曾小贤", "单田芳", "Anna", "张伟"]:
        leads.create_lead(admin_user, {"name": name})
    client.force_login(admin_user)
    deals = client.get("/deals/", {"sort": "name"}).content.decode()
    order = ["10 台服务器", "阿里云采购", "Apple 续约", "重庆项目"]
    assert [deals.index(name) for name in order] == sorted(deals.index(n) for n in order)
    page = client.get("/api/v1/leads", {"ordering": "-name"}).json()
    assert [item["name"] for item in page["items"]] == ["张伟", "曾小贤", "单田芳", "Anna"]
