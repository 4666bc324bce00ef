"""Every route answers only within the caller's visibility: out of scope is 404, no right is 403."""

import pytest

from kehu.customers import services
from kehu.customers.models import Company, Person
from tests.api.conftest import bearer_client, send
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db

#: persona -> whether they see a record the rep owns
SEES_REPS_RECORDS = {"rep": True, "teammate": False, "manager": True, "outsider": False,
                     "admin_user": True}  # fmt: skip
RESOURCES = [("people", make_person, Person), ("companies", make_company, Company)]


@pytest.fixture
def personas(rep, teammate, manager, outsider, admin_user):
    return {"rep": rep, "teammate": teammate, "manager": manager, "outsider": outsider,
            "admin_user": admin_user}  # fmt: skip


@pytest.mark.parametrize(("resource", "make", "model"), RESOURCES)
@pytest.mark.parametrize("who", list(SEES_REPS_RECORDS))
def test_read_change_and_delete_only_within_scope(who, personas, rep, resource, make, model):
    record = make(rep, "客户")
    sees = SEES_REPS_RECORDS[who]
    client = bearer_client(personas[who])
    url = f"/api/v1/{resource}/{record.pk}"

    listed = [item["id"] for item in client.get(f"/api/v1/{resource}").json()["items"]]
    assert (record.pk in listed) is sees
    assert client.get(url).status_code == (200 if sees else 404)

    patched = send(client, "patch", url, {"name": "改名"}, **{"If-Match": '"1"'})
    assert patched.status_code == (200 if sees else 404), patched.content
    record.refresh_from_db()
    assert (record.name == "改名") is sees

    deleted = client.delete(url)
    assert deleted.status_code == (204 if sees else 404)
    assert (model.all_objects.get(pk=record.pk).deleted_at is not None) is sees


@pytest.mark.parametrize(("resource", "make", "model"), RESOURCES)
@pytest.mark.parametrize("who", list(SEES_REPS_RECORDS))
def test_restore_only_within_scope(who, personas, rep, resource, make, model):
    record = make(rep, "客户")
    (services.delete_person if model is Person else services.delete_company)(rep, record)
    sees = SEES_REPS_RECORDS[who]
    response = bearer_client(personas[who]).post(f"/api/v1/{resource}/{record.pk}/restore")
    assert response.status_code == (200 if sees else 404), response.content
    assert (model.all_objects.get(pk=record.pk).deleted_at is None) is sees


def test_out_of_scope_404_is_the_same_as_missing(rep, outsider):
    record = make_person(rep, "张伟")
    client = bearer_client(outsider)
    hidden = client.get(f"/api/v1/people/{record.pk}")
    missing = client.get("/api/v1/people/987654")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


@pytest.mark.parametrize(("resource", "make", "model"), RESOURCES)
def test_read_only_role_reads_but_cannot_write(readonly, rep, resource, make, model):
    record = make(rep, "客户")
    client = bearer_client(readonly)
    url = f"/api/v1/{resource}/{record.pk}"
    assert client.get(url).status_code == 200

    created = send(client, "post", f"/api/v1/{resource}", {"name": "新客户"})
    assert created.status_code == 403
    assert set(created.json()) == {"detail"}
    assert model.objects.count() == 1

    assert send(client, "patch", url, {"name": "改名"}).status_code == 403
    assert client.delete(url).status_code == 403
    record.refresh_from_db()
    assert record.name == "客户" and record.deleted_at is None

    (services.delete_person if model is Person else services.delete_company)(rep, record)
    assert client.post(f"{url}/restore").status_code == 403
    assert model.all_objects.get(pk=record.pk).deleted_at is not None


def test_rep_cannot_give_a_record_to_someone_else(rep, teammate):
    response = send(
        bearer_client(rep), "post", "/api/v1/people", {"name": "张伟", "owner_id": teammate.pk}
    )
    assert response.status_code == 422
    assert "owner_id" in response.json()["errors"]
    assert Person.objects.count() == 0


def test_manager_can_hand_a_record_to_a_teammate(manager, rep, teammate):
    record = make_person(rep, "张伟")
    response = send(
        bearer_client(manager), "patch", f"/api/v1/people/{record.pk}", {"owner_id": teammate.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner_id"] == teammate.pk


def test_person_cannot_be_linked_to_a_company_out_of_sight(rep, outsider):
    theirs = make_company(outsider, "别人的公司")
    response = send(
        bearer_client(rep), "post", "/api/v1/people", {"name": "张伟", "company_id": theirs.pk}
    )
    assert response.status_code == 422
    assert "company_id" in response.json()["errors"]
