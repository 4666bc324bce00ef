"""/api/v1/companies: the same contract as people, and binning keeps the company's people."""

import pytest

from kehu.customers.models import Company, Person
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(rep):
    return bearer_client(rep)


def test_create_read_change(client, rep):
    response = send(
        client,
        "post",
        "/api/v1/companies",
        {
            "name": "华为技术有限公司",
            "website": "https://www.huawei.com",
            "phone": "0755 2878 0808",
            "industry": "通信",
            "tags": ["partner"],
        },  # fmt: skip
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+8675528780808"
    assert body["phone_display"].startswith("0755")
    assert body["tags"] == ["partner"]
    url = f"/api/v1/companies/{body['id']}"
    assert client.get(url)["ETag"] == 'W/"1"'

    changed = send(client, "patch", url, {"industry": "ICT"}, **{"If-Match": 'W/"1"'})
    assert changed.status_code == 200
    assert changed.json()["industry"] == "ICT" and changed["ETag"] == 'W/"2"'
    stale = send(client, "patch", url, {"industry": "电信"}, **{"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    assert Company.objects.get(pk=body["id"]).industry == "ICT"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "华为", "website": "not a url"}, "website"),
        ({"name": "华为", "email": "@@"}, "email"),
        ({"name": "华为", "phone": "0"}, "phone"),
        ({"name": "华为", "company_id": 1}, "company_id"),
        ({"name": "华为", "owner_id": -1}, "owner_id"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_input_is_422(client, body, field):
    assert_validation(send(client, "post", "/api/v1/companies", body), field)
    assert Company.all_objects.count() == 0


def test_bin_unlinks_people_and_restore_relinks_them(client, rep):
    company = make_company(rep, "阿里巴巴")
    person = make_person(rep, "马云", company=company.pk)
    assert client.delete(f"/api/v1/companies/{company.pk}").status_code == 204
    shown = client.get(f"/api/v1/people/{person.pk}").json()
    assert shown["company_id"] is None
    assert client.get("/api/v1/companies").json()["items"] == []

    assert client.post(f"/api/v1/companies/{company.pk}/restore").status_code == 200
    assert client.get(f"/api/v1/people/{person.pk}").json()["company_name"] == "阿里巴巴"
    assert Person.objects.get(pk=person.pk).company_id == company.pk


def test_list_filters_and_pages(client, rep):
    for i in range(7):
        make_company(rep, f"公司{i}", tags=["partner"] if i % 2 else [])
    body = client.get("/api/v1/companies", {"limit": 3, "ordering": "-created_at"}).json()
    seen = [c["id"] for c in body["items"]]
    while body["next_cursor"]:
        body = client.get(
            "/api/v1/companies",
            {"limit": 3, "ordering": "-created_at", "cursor": body["next_cursor"]},
        ).json()
        seen += [c["id"] for c in body["items"]]
    assert len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)
    assert_validation(client.get("/api/v1/companies", {"company": "x", "limit": 999}), "limit")
