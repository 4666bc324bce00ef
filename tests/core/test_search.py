"""Global search finds people the way Chinese and English users type."""

import pytest

from kehu.core import search
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
