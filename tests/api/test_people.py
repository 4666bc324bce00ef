"""/api/v1/people: list with filters and cursor pages, create, read, change, bin, restore."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.core.models import AuditEntry
from kehu.customers.fields import services as field_services
from kehu.customers.models import Person, Tag
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(rep):
    return bearer_client(rep)


def test_create_returns_201_with_the_record_etag_and_location(client, rep):
    company = make_company(rep, "阿里巴巴")
    response = send(
        client,
        "post",
        "/api/v1/people",
        {
            "name": "  马云 ",
            "email": "Jack@Alibaba.COM",
            "phone": "138 1234 5678",
            "title": "Founder",
            "company_id": company.pk,
            "birthday": "1964-09-10",
            "city": "杭州",
            "tags": ["vip", "founder"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert body["name"] == "马云" == person.name
    assert body["email"] == "Jack@alibaba.com"
    assert body["phone"] == "+8613812345678"
    assert body["phone_display"] == "138 1234 5678"
    assert body["company_id"] == company.pk and body["company_name"] == "阿里巴巴"
    assert body["birthday"] == "1964-09-10"
    assert body["tags"] == ["founder", "vip"]
    assert body["owner_id"] == rep.pk
    assert body["version"] == 1
    assert response["ETag"] == 'W/"1"'
    assert response["Location"].endswith(f"/api/v1/people/{person.pk}")


def test_create_with_repeated_tags_answers_and_records_each_tag_once(client, rep):
    response = send(
        client, "post", "/api/v1/people", {"name": "张伟", "tags": ["vip", " vip", "vip"]}
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert response.json()["tags"] == ["vip"] == [t.name for t in person.tags.all()]
    entry = AuditEntry.objects.get(object_id=person.pk, action="create")
    assert entry.changes["tags"] == [None, "vip"]


def test_create_query_count_does_not_grow_with_the_tags(client, rep, django_assert_num_queries):
    company = make_company(rep, "阿里巴巴")
    names = ["vip", "founder", "partner", "t1", "t2"]
    for name in names:
        Tag.objects.create(name=name)
    send(client, "post", "/api/v1/people", {"name": "预热"})  # the token's last-used stamp

    def create(tags: list[str]) -> None:
        body = {"name": "张伟", "company_id": company.pk, "tags": tags}
        assert send(client, "post", "/api/v1/people", body).status_code == 201

    with CaptureQueriesContext(connection) as one_tag:
        create(names[:1])
    # token, custom fields, company, tags, insert, links, audit, the author's adoption count
    # (decision 0035), and the savepoint pair
    assert len(one_tag) <= 10, "\n".join(q["sql"][:150] for q in one_tag.captured_queries)
    with django_assert_num_queries(len(one_tag)):
        create(names)
    with CaptureQueriesContext(connection) as bare:
        response = send(client, "post", "/api/v1/people", {"name": "李娜"})
    assert response.json()["tags"] == [] and response.json()["company_id"] is None
    # no tag or company reads (the seventh: the adoption count)
    assert len(bare) <= 7, [q["sql"] for q in bare.captured_queries]


def test_detail_has_every_field_and_an_etag(client, rep):
    person = make_person(rep, "张伟", email="zw@example.com", tags=["vip"])
    response = client.get(f"/api/v1/people/{person.pk}")
    assert response.status_code == 200
    assert response["ETag"] == f'W/"{person.version}"'
    assert set(response.json()) == {
        "id", "name", "email", "phone", "phone_display", "title", "company_id", "company_name",
        "birthday", "city", "address", "notes", "owner_id", "tags", "custom", "version",
        "created_at", "updated_at",
    }  # fmt: skip


def test_missing_person_is_404(client):
    response = client.get("/api/v1/people/999999")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


@pytest.mark.parametrize("if_match", ['W/"1"', '"1"', "*", None, '"7", W/"1"'])
def test_patch_with_current_or_no_if_match_changes_only_the_sent_fields(client, rep, if_match):
    person = make_person(rep, "张伟", email="zw@example.com", city="北京")
    headers = {"If-Match": if_match} if if_match else {}
    response = send(client, "patch", f"/api/v1/people/{person.pk}", {"title": "CTO"}, **headers)
    assert response.status_code == 200, response.content
    assert response["ETag"] == 'W/"2"'
    person.refresh_from_db()
    assert (person.title, person.email, person.city, person.version) == (
        "CTO", "zw@example.com", "北京", 2
    )  # fmt: skip


def test_stale_if_match_is_412_and_changes_nothing(client, rep):
    person = make_person(rep, "张伟")
    send(client, "patch", f"/api/v1/people/{person.pk}", {"title": "CTO"}, **{"If-Match": '"1"'})
    audit_before = AuditEntry.objects.count()
    response = send(
        client, "patch", f"/api/v1/people/{person.pk}", {"title": "CEO"}, **{"If-Match": 'W/"1"'}
    )
    assert response.status_code == 412
    assert response.json()["current_version"] == 2
    assert response.json()["detail"]
    assert response["ETag"] == 'W/"2"'
    person.refresh_from_db()
    assert (person.title, person.version) == ("CTO", 2)
    assert AuditEntry.objects.count() == audit_before


def test_binning_and_restoring_its_company_changes_the_person_so_a_stale_if_match_is_412(
    client, rep
):
    """Unlinking a person from a binned company is an edit of the person: a client holding the
    ETag from before cannot overwrite it (and put the company back) unawares."""
    from kehu.core import events
    from kehu.customers import services

    company = make_company(rep, "阿里巴巴")
    person = make_person(rep, "马云", company=company.pk)
    etag = client.get(f"/api/v1/people/{person.pk}")["ETag"]
    seen = []
    events.subscribe("person.updated")(handler := lambda **event: seen.append(event))
    try:
        services.delete_company(rep, company)
    finally:
        events._handlers["person.updated"].remove(handler)
    assert [(e["record"].pk, e["changes"]) for e in seen] == [
        (person.pk, {"company": ["阿里巴巴", None]})
    ]
    response = send(
        client, "patch", f"/api/v1/people/{person.pk}", {"title": "CEO"}, **{"If-Match": etag}
    )
    assert response.status_code == 412, response.content
    assert response.json()["current_version"] == 2
    current = client.get(f"/api/v1/people/{person.pk}")
    assert current["ETag"] == 'W/"2"' and current.json()["company_id"] is None

    services.restore_company(rep, type(company).all_objects.get(pk=company.pk))
    response = send(
        client, "patch", f"/api/v1/people/{person.pk}", {"title": "CEO"}, **{"If-Match": 'W/"2"'}
    )
    assert response.status_code == 412, response.content
    person.refresh_from_db()
    assert (person.company_id, person.title, person.version) == (company.pk, "", 3)
    updates = AuditEntry.objects.filter(object_id=person.pk, action="update").order_by("id")
    assert [e.changes for e in updates] == [
        {"company": ["阿里巴巴", None]},
        {"company": [None, "阿里巴巴"]},
    ]


@pytest.mark.parametrize("if_match", ["3", "W/3", '"abc"', "garbage"])
def test_malformed_if_match_is_400(client, rep, if_match):
    person = make_person(rep, "张伟")
    response = send(
        client, "patch", f"/api/v1/people/{person.pk}", {"title": "CEO"}, **{"If-Match": if_match}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    person.refresh_from_db()
    assert person.title == ""


def test_patch_can_clear_fields_and_set_tags_company_and_custom(client, rep):
    field_services.create_field(
        None,
        {
            "entity": "person",
            "key": "level",
            "label": "Level",
            "type": "choice",
            "choices": ["A", "B"],
        },  # fmt: skip
    )
    company = make_company(rep, "腾讯")
    person = make_person(rep, "张伟", city="北京", company=company.pk, tags=["old"])
    response = send(
        client,
        "patch",
        f"/api/v1/people/{person.pk}",
        {"city": None, "company_id": None, "tags": ["new", "vip"], "custom": {"level": "A"}},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["city"] == "" and body["company_id"] is None and body["company_name"] is None
    assert body["tags"] == ["new", "vip"]
    assert body["custom"] == {"level": "A"}
    response = send(client, "patch", f"/api/v1/people/{person.pk}", {"custom": {"level": None}})
    assert response.json()["custom"] == {}


def test_tag_named_with_digits_means_that_tag_not_an_id(client, rep):
    Tag.objects.create(name="2024")
    Tag.objects.create(name="other")  # would be id 2
    response = send(client, "post", "/api/v1/people", {"name": "张伟", "tags": ["2024"]})
    assert response.json()["tags"] == ["2024"]
    errors = assert_validation(
        send(client, "post", "/api/v1/people", {"name": "李娜", "tags": ["2"]}), "tags"
    )
    assert errors["tags"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "张伟", "email": "not-an-email"}, "email"),
        ({"name": "张伟", "phone": "12345"}, "phone"),
        ({"name": "张伟", "phone": "call me"}, "phone"),
        ({"name": "张伟", "hobby": "golf"}, "hobby"),
        ({"name": 42}, "name"),
        ({"name": "张伟", "birthday": "10/09/1964"}, "birthday"),
        ({"name": "张伟", "company_id": "abc"}, "company_id"),
        ({"name": "张伟", "company_id": 999999}, "company_id"),
        ({"name": "张伟", "owner_id": 999999}, "owner_id"),
        ({"name": "张伟", "tags": "vip"}, "tags"),
        ({"name": "张伟", "custom": {"nope": "x"}}, "custom.nope"),
        ({"name": "张伟", "custom": []}, "custom"),
        ({"name": "   "}, "name"),
        ({}, "name"),
        ({"name": "x" * 151}, "name"),
        ({"name": "张\x00伟"}, "name"),
        ({"name": "张伟", "notes": "\ud800"}, "notes"),
    ],
)
def test_bad_input_is_422_and_saves_nothing(client, body, field):
    response = send(client, "post", "/api/v1/people", body)
    assert_validation(response, field)
    assert Person.all_objects.count() == 0


def test_several_errors_are_reported_at_once(client):
    response = send(client, "post", "/api/v1/people", {"name": "张伟", "email": "x", "phone": "1"})
    assert_validation(response, "email", "phone")


def test_body_that_is_not_json_is_400(client):
    response = client.post("/api/v1/people", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail"}


def test_bad_patch_is_422_and_changes_nothing(client, rep):
    person = make_person(rep, "张伟", email="zw@example.com")
    for body, field in [
        ({"email": "broken"}, "email"),
        ({"name": None}, "name"),
        ({"version": 9}, "version"),
        ({"title": ["a"]}, "title"),
    ]:
        assert_validation(send(client, "patch", f"/api/v1/people/{person.pk}", body), field)
    person.refresh_from_db()
    assert (person.email, person.name, person.version) == ("zw@example.com", "张伟", 1)


def test_delete_moves_to_the_bin_and_restore_brings_back(client, rep):
    person = make_person(rep, "张伟")
    response = client.delete(f"/api/v1/people/{person.pk}")
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 404
    assert Person.all_objects.get(pk=person.pk).deleted_at is not None
    assert client.delete(f"/api/v1/people/{person.pk}").status_code == 404

    restored = client.post(f"/api/v1/people/{person.pk}/restore")
    assert restored.status_code == 200, restored.content
    assert restored.json()["id"] == person.pk
    assert restored["ETag"] == f'W/"{restored.json()["version"]}"'
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
    # a live record is not in the bin
    assert client.post(f"/api/v1/people/{person.pk}/restore").status_code == 404


# ---------------------------------------------------------------- lists


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_list_filters_like_the_ui(client, rep, teammate):
    field_services.create_field(
        None,
        {
            "entity": "person",
            "key": "level",
            "label": "Level",
            "type": "choice",
            "choices": ["A", "B"],
        },  # fmt: skip
    )
    huawei = make_company(rep, "华为")
    zhang = make_person(rep, "张伟", email="zhang.wei@example.com", company=huawei.pk,
                        tags=["vip"], custom={"level": "A"})  # fmt: skip
    li = make_person(rep, "李娜", custom={"level": "B"})
    vip = Tag.objects.get(name="vip")
    assert ids(client.get("/api/v1/people", {"q": "zhangwei"})) == [zhang.pk]
    assert ids(client.get("/api/v1/people", {"q": "张"})) == [zhang.pk]
    assert ids(client.get("/api/v1/people", {"tag": vip.pk})) == [zhang.pk]
    assert ids(client.get("/api/v1/people", {"company": huawei.pk})) == [zhang.pk]
    assert ids(client.get("/api/v1/people", {"company": "none"})) == [li.pk]
    assert ids(client.get("/api/v1/people", {"cf_level": "B"})) == [li.pk]
    assert set(ids(client.get("/api/v1/people", {"owner": "me"}))) == {zhang.pk, li.pk}
    assert ids(client.get("/api/v1/people", {"owner": teammate.pk})) == []
    assert len(ids(client.get("/api/v1/people", {"created_after": "2000-01-01"}))) == 2
    assert ids(client.get("/api/v1/people", {"created_before": "2000-01-01"})) == []
    assert ids(client.get("/api/v1/people", {"updated_before": "2000-01-01"})) == []
    # pinyin order (decision 23): li na before zhang wei
    assert ids(client.get("/api/v1/people", {"ordering": "name"})) == [li.pk, zhang.pk]
    assert ids(client.get("/api/v1/people", {"ordering": "-name"})) == [zhang.pk, li.pk]
    assert ids(client.get("/api/v1/people", {"ordering": "cf_level"})) == [zhang.pk, li.pk]
    assert ids(client.get("/api/v1/people", {"ordering": "-cf_level"})) == [li.pk, zhang.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJ4Il0"}, "cursor"),  # ["x"]: no id
        ({"cursor": "WyJ4IiwgOTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"}, "cursor"),  # id beyond 64 bits
        ({"ordering": "email"}, "ordering"),
        ({"ordering": "cf_unknown"}, "ordering"),
        ({"owner": "someone"}, "owner"),
        ({"company": "acme"}, "company"),
        ({"tag": "vip"}, "tag"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_after": "0001-01-01"}, "created_after"),
        ({"updated_before": "9999-12-31"}, "updated_before"),
        ({"cf_nope": "1"}, "cf_nope"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_list_parameters_are_422(client, rep, params, field):
    make_person(rep, "张伟")
    make_person(rep, "李娜")
    assert_validation(client.get("/api/v1/people", params), field)


def test_cursor_from_another_ordering_is_422(client, rep):
    for i in range(3):
        make_person(rep, f"客户{i}")
    first = client.get("/api/v1/people", {"limit": 1, "ordering": "name"}).json()
    response = client.get(
        "/api/v1/people", {"limit": 1, "ordering": "created_at", "cursor": first["next_cursor"]}
    )
    assert_validation(response, "cursor")


@pytest.mark.parametrize("ordering", ["name", "-name", "created_at", "-updated_at"])
def test_pages_walk_every_record_once(client, rep, ordering):
    for i in range(23):
        make_person(rep, ["张伟", "李娜", "王芳"][i % 3])  # equal names: the id breaks ties
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 5, "ordering": ordering, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/people", params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    column = ordering.replace("name", "name_sort_key")  # names sort by pinyin (decision 23)
    expected = Person.objects.order_by(column, "id" if not ordering.startswith("-") else "-id")
    assert seen == list(expected.values_list("id", flat=True))


def test_default_page_is_50(client, rep):
    for i in range(51):
        make_person(rep, f"客户{i:02d}")
    body = client.get("/api/v1/people").json()
    assert len(body["items"]) == 50 and body["next_cursor"]


def test_list_query_count_does_not_grow_with_the_page(client, rep, django_assert_num_queries):
    for i in range(60):
        company = make_company(rep, f"公司{i}", tags=["partner"])
        make_person(rep, f"客户{i}", company=company.pk, tags=["vip", f"t{i % 4}"])
    client.get("/api/v1/people", {"limit": 1})  # warm-up: the token's last-used stamp
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/people", {"limit": 5}).json()["items"]) == 5
    with django_assert_num_queries(len(small)):
        assert len(client.get("/api/v1/people", {"limit": 50}).json()["items"]) == 50
    with CaptureQueriesContext(connection) as small:
        assert len(client.get("/api/v1/companies", {"limit": 5}).json()["items"]) == 5
    with django_assert_num_queries(len(small)):
        assert len(client.get("/api/v1/companies", {"limit": 50}).json()["items"]) == 50
