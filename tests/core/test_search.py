"""Global search finds people the way Chinese and English users type."""

import math

import pytest
from django.db import connection
from django.db.models import Q

from kehu.core import search
from kehu.core.search import postgres_vector, sqlite_fts
from kehu.customers import services
from kehu.customers.models import Company, Person
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def found(user, query):
    return {p.name for p in search.search(Person.objects.visible_to(user), query)}


@pytest.mark.parametrize("query", ["张伟", "伟", "张", "zhangwei", "zhang wei", "zw", "ZhangWei"])
def test_two_character_chinese_name_by_characters_pinyin_and_initials(rep, query):
    make_person(rep, "张伟")
    make_person(rep, "李娜")
    assert found(rep, query) == {"张伟"}


def test_surnames_pypinyin_misreads_are_found_by_their_surname_reading(rep):
    make_person(rep, "单雄信")
    make_person(rep, "曾国藩")
    assert found(rep, "shanxiongxin") == {"单雄信"}
    assert found(rep, "zeng guo") == {"曾国藩"}


def test_mixed_chinese_and_english_names(rep):
    make_person(rep, "王Tony")
    make_person(rep, "Mary 陈")
    assert found(rep, "tony") == {"王Tony"}
    assert found(rep, "wang tony") == {"王Tony"}
    assert found(rep, "mary chen") == {"Mary 陈"}


def test_email_phone_and_company_name(rep):
    company = make_company(rep, "深圳华信电子")
    make_person(
        rep, "刘洋", email="liu.yang@huaxin.cn", phone="+86 139 1234 5678", company=company.pk
    )
    assert found(rep, "liu.yang@huaxin.cn") == {"刘洋"}
    assert found(rep, "huaxin") == {"刘洋"}
    assert found(rep, "139 1234 5678") == {"刘洋"}
    assert found(rep, "5678") == {"刘洋"}
    assert found(rep, "华信") == {"刘洋"}


def test_renaming_a_company_reindexes_its_people(rep):
    company = make_company(rep, "旧名字")
    make_person(rep, "周杰", company=company.pk)
    services.update_company(rep, company, {"name": "新公司"})
    assert found(rep, "新公司") == {"周杰"}
    assert found(rep, "旧名字") == set()


def test_zero_hits_and_odd_queries_are_safe(rep):
    make_person(rep, "张伟")
    for query in ["", "   ", "qqqxyz", '"', "'", "*", "AND", "OR NOT", "\\", "张伟 qqq", "(", "%_"]:
        assert found(rep, query) == set(), query


def test_search_respects_visibility(rep, outsider):
    make_person(rep, "张伟")
    assert found(outsider, "张伟") == set()


def test_deleted_records_leave_search_and_come_back_on_restore(rep):
    person = make_person(rep, "张伟")
    services.delete_person(rep, person)
    assert found(rep, "张伟") == set()
    services.restore_person(rep, Person.all_objects.get(pk=person.pk))
    assert found(rep, "张伟") == {"张伟"}


def test_companies_by_name_and_website(rep):
    make_company(rep, "上海星辰科技有限公司", website="https://xingchen.example.cn")
    visible = Company.objects.visible_to(rep)
    assert [c.name for c in search.search(visible, "星辰")] == ["上海星辰科技有限公司"]
    assert [c.name for c in search.search(visible, "xingchen")] == ["上海星辰科技有限公司"]
    assert [c.name for c in search.search(visible, "shxckj")] == ["上海星辰科技有限公司"]


def test_a_capped_search_keeps_only_that_many_visible_matches(rep, outsider):
    for name in ("张伟", "张伟明", "张伟强"):
        make_person(rep, name)
    make_person(outsider, "张伟华")  # invisible matches must not use up the cap
    visible = Person.objects.visible_to(rep)
    assert search.search(visible, "张伟", cap=2).count() == 2
    assert search.search(visible, "张伟", cap=None).count() == 3
    assert search.search(visible, "张伟", cap=2).order_by("name")[:1].get().owner == rep


def test_the_people_list_says_when_a_search_shows_only_its_first_matches(client, rep, monkeypatch):
    monkeypatch.setattr(search, "LIST_MATCH_CAP", 2)
    for name in ("张伟", "张伟明", "张伟强"):
        make_person(rep, name)
    client.force_login(rep)
    page = client.get("/people/", {"q": "张伟"}).content.decode()
    assert ">2+</span>" in page


@pytest.mark.parametrize(
    "query",
    ["j", "jo", "jonath", "jonatha", "richardson9", "richardson99", "example", "smi", "j s",
     "jonathan s", "s jonathan", "e richardson9"],
)  # fmt: skip
def test_every_word_is_found_by_a_prefix_of_any_length(rep, query):
    make_person(rep, "Jonathan Smith", email="jonathan.richardson99@example.com")
    make_person(rep, "李娜", email="lina@qq.com")
    assert found(rep, query) == {"Jonathan Smith"}


def test_a_prefix_never_matches_inside_a_word(rep):
    make_person(rep, "Jonathan Smith", email="jonathan.richardson99@example.com")
    for query in ("onathan", "mith", "ardson", "xample", "athan smith"):
        assert found(rep, query) == set(), query


on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL walks rows or reads its index"
)


@pytest.fixture
def fresh_statistics():
    postgres_vector._stats_cache.clear()
    yield
    postgres_vector._stats_cache.clear()


@on_postgresql
@pytest.mark.parametrize("walk_rows", [0, 1, 3, 1000])
def test_walking_rows_finds_the_same_matches_as_the_index(rep, outsider, monkeypatch, walk_rows):
    """However far a walk gets before the index takes over, a capped search returns distinct,
    visible matches, as many as the cap allows."""
    for name in ("张伟", "王伟", "Zhang Wei", "李娜", "张伟明", "Weiss Zhang", "张三"):
        make_person(rep, name)
    make_person(outsider, "张伟华")
    monkeypatch.setattr(postgres_vector, "walk_rows", lambda qs, tokens, cap: walk_rows)
    visible = Person.objects.visible_to(rep)
    assert found(rep, "伟") == {"张伟", "王伟", "张伟明"}
    assert found(rep, "zhang wei") == {"张伟", "Zhang Wei", "张伟明", "Weiss Zhang"}
    assert found(rep, "wei") == {"张伟", "王伟", "Zhang Wei", "张伟明", "Weiss Zhang"}
    assert found(rep, "zhang w") == {"张伟", "Zhang Wei", "张伟明", "Weiss Zhang"}
    assert found(rep, "w z") == {"张伟", "Zhang Wei", "张伟明", "Weiss Zhang"}
    assert found(rep, "qqqxyz") == set()
    for cap in (1, 2, 3, 4):
        capped = search.search(visible, "zhang wei", cap=cap)
        assert capped.count() == cap
        assert {p.name for p in capped} <= {"张伟", "Zhang Wei", "张伟明", "Weiss Zhang"}
    assert search.search(Person.objects.none(), "伟").count() == 0


@on_postgresql
def test_common_terms_are_walked_and_rare_ones_read_from_the_index(
    rep, monkeypatch, fresh_statistics
):
    for i in range(40):
        make_person(rep, "王伟" if i % 2 else f"李{chr(0x5A1C + i)}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE customers_person")
    rows, shares = postgres_vector._search_stats("default", "customers_person")
    assert rows == 40 and shares["伟"] == pytest.approx(0.5, abs=0.05)
    visible = Person.objects.visible_to(rep)
    # at 40 rows the index always costs less; make it dear to see the walk chosen
    assert postgres_vector.walk_rows(visible, ["伟"], cap=5) == 0
    monkeypatch.setattr(postgres_vector, "INDEX_ENTRY_COST", 1000.0)
    walk = postgres_vector.walk_rows(visible, ["伟"], cap=5)
    # the rows expected to hold 5 matches, twice
    assert walk == math.ceil(postgres_vector.WALK_MARGIN * 5 / shares["伟"])
    assert postgres_vector.walk_rows(visible, ["wa"], cap=5) > 0  # "wang" and its prefix terms
    assert postgres_vector.walk_rows(visible, ["伟", "龘"], cap=5) == 0
    assert search.search(visible, "伟", cap=5).count() == 5


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's capped search plans")
@pytest.mark.parametrize("walk_entries", [1, 2, 3, 100])
def test_sqlite_capped_search_finds_every_visible_match_whichever_way_it_reads(
    rep, teammate, outsider, admin_user, monkeypatch, walk_entries
):
    """The walk over the index, and the two ways on when it is cut short (the rows of the
    owners in scope; every match checked against the query), give distinct visible matches,
    as many as the cap allows, and all of them when there are fewer."""
    monkeypatch.setattr(sqlite_fts, "SQLITE_WALK_ENTRIES", walk_entries)
    for owner, name in [(outsider, "王一"), (outsider, "王二"), (rep, "王三"), (teammate, "王四"),
                        (outsider, "王五"), (rep, "王六"), (rep, "李七")]:  # fmt: skip
        make_person(owner, name)
    mine = Person.objects.visible_to(rep)
    assert {p.name for p in search.search(mine, "王", cap=10)} == {"王三", "王六"}
    assert {p.name for p in search.search(mine, "wang", cap=10)} == {"王三", "王六"}
    assert search.search(mine, "王", cap=1).count() == 1
    assert search.search(mine, "王", cap=1).get().name in {"王三", "王六"}
    everyone = Person.objects.visible_to(admin_user)
    all_wang = {"王一", "王二", "王三", "王四", "王五", "王六"}
    assert {p.name for p in search.search(everyone, "王", cap=10)} == all_wang
    for cap in (1, 3, 6):
        capped = search.search(everyone, "王", cap=cap)
        assert capped.count() == cap
        assert {p.name for p in capped} <= all_wang
    # a filter that is not an owner: the matches are checked against it one by one
    teammates = everyone.exclude(owner=outsider)
    assert {p.name for p in search.search(teammates, "王", cap=10)} == {"王三", "王四", "王六"}
    assert not search.search(everyone.none(), "王", cap=10).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's capped search plans")
def test_sqlite_reads_a_narrow_scope_through_its_owner_index(rep, admin_user, monkeypatch):
    """When the walk is cut short, a query keeping some owners' rows is read through them (the
    query names `+id`, so SQLite does not start from the match list); others are not."""
    monkeypatch.setattr(sqlite_fts, "SQLITE_WALK_ENTRIES", 1)
    make_person(admin_user, "王一")
    make_person(admin_user, "王二")
    make_person(rep, "王三")
    mine = Person.objects.visible_to(rep)
    assert sqlite_fts._kept_by_owner(mine)
    assert sqlite_fts._kept_by_owner(Person.objects.visible_to(admin_user).filter(owner=rep))
    assert not sqlite_fts._kept_by_owner(Person.objects.visible_to(admin_user))
    assert not sqlite_fts._kept_by_owner(Person.objects.filter(Q(owner=rep) | Q(name="王一")))
    assert "+" in str(search.search(mine, "王", cap=5).query)
    assert "+" not in str(search.search(Person.objects.all(), "王", cap=5).query)
