"""What the people and company routes answer is the same JSON ninja's validation would give, and
a list's tags cost one query however many records and tags there are."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.core.api_support import trusted
from kehu.customers.api.companies import CompanyOut, company_out
from kehu.customers.api.people import PersonOut, person_out
from kehu.customers.models import Company, Person
from tests.api.conftest import bearer_client, send
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(rep):
    return bearer_client(rep)


def _tagged_people(rep, n: int) -> None:
    company = make_company(rep, "阿里巴巴", tags=["partner"])
    for i in range(n):
        make_person(
            rep,
            f"张伟{i}",
            company=company,
            tags=["vip", f"t{i}", "a-first"],
            birthday=datetime.date(1990, 1, 1 + i),
            phone="13812345678",
        )


def test_trusted_output_dumps_as_the_validated_output(rep):
    _tagged_people(rep, 2)
    for person in Person.objects.all():
        data = person_out(person)
        assert trusted(PersonOut, data).model_dump() == PersonOut.model_validate(data).model_dump()
        assert list(trusted(PersonOut, data).model_dump()) == list(PersonOut.model_fields)
    company = Company.objects.get()
    data = company_out(company)
    assert trusted(CompanyOut, data).model_dump() == CompanyOut.model_validate(data).model_dump()


def test_list_read_and_patch_answer_every_field_with_sorted_tag_names(client, rep):
    _tagged_people(rep, 3)
    listed = client.get("/api/v1/people?limit=50").json()["items"]
    assert [p["name"] for p in listed] == ["张伟0", "张伟1", "张伟2"]
    for item in listed:
        assert list(item) == list(PersonOut.model_fields)
    assert listed[1]["tags"] == ["a-first", "t1", "vip"]
    assert listed[1]["company_name"] == "阿里巴巴"
    assert listed[1]["birthday"] == "1990-01-02"
    assert listed[1]["phone"] == "+8613812345678"
    one = client.get(f"/api/v1/people/{listed[1]['id']}")
    assert one.json() == listed[1]
    changed = send(
        client,
        "patch",
        f"/api/v1/people/{listed[1]['id']}",
        {"tags": ["zz", "b"]},
        **{"If-Match": one["ETag"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["tags"] == ["b", "zz"]
    assert client.get(f"/api/v1/people/{listed[1]['id']}").json()["tags"] == ["b", "zz"]
    companies = client.get("/api/v1/companies").json()["items"]
    assert companies[0]["tags"] == ["partner"]


def test_a_list_reads_the_tags_of_its_page_in_one_query(client, rep):
    _tagged_people(rep, 2)
    client.get("/api/v1/people?limit=50")  # the token's last-used stamp, once a minute
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/people?limit=50").status_code == 200
    _tagged_people(rep, 8)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/people?limit=50").status_code == 200
    assert len(many) == len(few)
    assert sum("customers_person_tags" in q["sql"] for q in many.captured_queries) == 1
