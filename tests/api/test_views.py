"""/api/v1/views: saved views per user, shared with the team by managers; `?view=` on lists."""

import pytest

from kehu.core.models import AuditEntry, SavedView
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_company, make_person

SHANGHAI = {"all": [{"field": "city", "op": "eq", "value": "上海"}]}


def create(client, **data):
    body = {"list": "person", "name": "上海客户", "condition": SHANGHAI, **data}
    return send(client, "post", "/api/v1/views", body)


def test_save_read_change_delete(db, rep):
    client = bearer_client(rep)
    made = create(client, columns=["email", "name", "tags"], sort="-updated_at")
    assert made.status_code == 201, made.content
    view = made.json()
    assert view["columns"] == ["name", "email", "tags"]  # the name column always first
    assert view["editable"] and not view["shared"] and made.headers["ETag"] == 'W/"1"'
    listed = client.get("/api/v1/views?list=person").json()["items"]
    assert [v["id"] for v in listed] == [view["id"]]
    url = f"/api/v1/views/{view['id']}"
    stale = send(client, "patch", url, {"name": "新"}, **{"If-Match": 'W/"7"'})
    assert stale.status_code == 412
    changed = send(client, "patch", url, {"name": "北京客户"}, **{"If-Match": 'W/"1"'})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert client.delete(url).status_code == 204
    assert not SavedView.objects.exists()
    assert AuditEntry.objects.filter(object_id=view["id"]).count() == 3


@pytest.mark.parametrize(
    "body, field",
    [
        (
            {"condition": {"all": [{"field": "password", "op": "eq", "value": "x"}]}},
            "condition.all.0.field",
        ),
        (
            {"condition": {"all": [{"field": "city", "op": "gt", "value": "x"}]}},
            "condition.all.0.op",
        ),
        (
            {"condition": {"field": "created_at", "op": "on", "value": "yesterday"}},
            "condition.value",
        ),
        ({"condition": {"any": [], "all": []}}, "condition"),
        ({"columns": ["name", "salary"]}, "columns"),
        ({"name": "  "}, "name"),
        ({"list": "spaceships"}, "list"),
        ({"sort": "name; drop table"}, "sort"),
    ],
)
def test_bad_views_are_refused_with_the_place(db, rep, body, field):
    response = create(bearer_client(rep), **body)
    assert_validation(response, field)
    assert not SavedView.objects.exists()


def test_sharing_takes_a_manager(db, rep, teammate, manager, outsider, admin_user):
    refused = create(bearer_client(rep), shared=True)
    assert refused.status_code == 403 and not SavedView.objects.exists()
    shared = create(bearer_client(manager), shared=True).json()
    private = create(bearer_client(manager), name="我的").json()
    url = f"/api/v1/views/{shared['id']}"
    # a teammate sees the shared view, read-only; the private one is not theirs to see
    mate = bearer_client(teammate)
    assert mate.get(url).status_code == 200 and not mate.get(url).json()["editable"]
    assert mate.get(f"/api/v1/views/{private['id']}").status_code == 404
    assert send(mate, "patch", url, {"name": "x"}).status_code == 403
    assert mate.delete(url).status_code == 403
    # another team's rep sees neither
    other = bearer_client(outsider)
    assert other.get(url).status_code == 404
    assert send(other, "patch", url, {"name": "x"}).status_code == 404
    assert other.get("/api/v1/views").json()["items"] == []
    # an administrator may change it
    assert send(bearer_client(admin_user), "patch", url, {"name": "全队"}).status_code == 200
    assert SavedView.objects.get(pk=shared["id"]).name == "全队"


def test_lists_take_a_view(db, rep, teammate, outsider):
    mine = make_person(rep, "上海的人", city="上海")
    make_person(rep, "北京的人", city="北京")
    make_person(teammate, "别人的上海人", city="上海")
    client = bearer_client(rep)
    view = create(client).json()
    found = client.get(f"/api/v1/people?view={view['id']}").json()["items"]
    assert [p["id"] for p in found] == [mine.pk]  # never beyond what the user sees
    assert_validation(client.get("/api/v1/people?view=abc"), "view")
    assert_validation(client.get(f"/api/v1/companies?view={view['id']}"), "view")  # another list
    # someone else's private view is no view at all
    assert_validation(bearer_client(outsider).get(f"/api/v1/people?view={view['id']}"), "view")
    company = make_company(rep, "上海公司", city="上海")
    orders = create(
        client, list="order", condition={"field": "company", "op": "eq", "value": company.pk}
    )
    assert client.get(f"/api/v1/orders?view={orders.json()['id']}").json()["items"] == []
