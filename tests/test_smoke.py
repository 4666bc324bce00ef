import pytest

from kehu.core import search
from kehu.customers.models import Person
from tests.factories import make_company, make_person


@pytest.mark.django_db
def test_person_is_found_by_characters_pinyin_and_initials(rep):
    person = make_person(rep, "张伟", email="zhang.wei@example.com", phone="138 1234 5678")
    make_person(rep, "李娜")
    visible = Person.objects.visible_to(rep)
    for query in [
        "张伟",
        "伟",
        "zhangwei",
        "zhang wei",
        "zw",
        "Zhang",
        "13812345678",
        "zhang.wei@",
    ]:
        assert list(search.search(visible, query)) == [person], query
    assert list(search.search(visible, "王")) == []


@pytest.mark.django_db
def test_person_phone_is_stored_e164(rep):
    person = make_person(rep, "王芳", phone="010-6552 9988")
    assert person.phone == "+861065529988"


@pytest.mark.django_db
def test_visibility_own_team_all(rep, teammate, manager, outsider, admin_user):
    mine = make_person(rep, "张伟")
    assert list(Person.objects.visible_to(rep)) == [mine]
    assert list(Person.objects.visible_to(teammate)) == []
    assert list(Person.objects.visible_to(manager)) == [mine]
    assert list(Person.objects.visible_to(outsider)) == []
    assert list(Person.objects.visible_to(admin_user)) == [mine]


@pytest.mark.django_db
def test_deleting_a_company_keeps_its_people_and_restore_relinks(rep):
    from kehu.customers import services

    company = make_company(rep, "阿里巴巴")
    person = make_person(rep, "马云", company=company.pk)
    services.delete_company(rep, company)
    person.refresh_from_db()
    assert person.company_id is None and person.deleted_at is None
    services.restore_company(rep, company)
    person.refresh_from_db()
    assert person.company_id == company.pk
