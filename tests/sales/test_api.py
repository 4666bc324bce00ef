"""The deals API: the record contract (ETag, If-Match, 404 outside visibility), moves,
filters, pipelines and rates, and bad input answered 422 with nothing saved."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.sales.deals import services
from kehu.sales.models import Deal
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import default_pipeline, make_company, make_deal, stage

pytestmark = pytest.mark.django_db


def test_create_read_patch_move_and_delete(rep):
    client = bearer_client(rep)
    company = make_company(rep, "阿里巴巴")
    response = send(
        client, "post", "/api/v1/deals",
        {"name": "阿里云续约", "amount": "88000.00", "company_id": company.pk},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    deal = response.json()
    assert deal["stage_name"] == "Qualification" and deal["status"] == "open"
    assert deal["amount"] == "88000.00" and deal["currency"] == "CNY"
    assert deal["company_name"] == "阿里巴巴" and response["ETag"] == 'W/"1"'
    url = f"/api/v1/deals/{deal['id']}"
    assert client.get(url).json()["name"] == "阿里云续约"

    response = send(client, "patch", url, {"amount": "90000"}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 200 and response["ETag"] == 'W/"2"'
    response = send(client, "patch", url, {"amount": "1"}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 412

    move = f"{url}/move"
    response = send(client, "post", move, {"stage_id": stage("Lost").pk})
    assert_validation(response, "lost_reason_id")
    response = send(client, "post", move, {"stage_id": stage("Lost").pk, "reason": "选了别家"})
    assert response.status_code == 200 and response.json()["status"] == "lost"
    response = send(client, "post", move, {"stage_id": stage("Proposal").pk})
    assert_validation(response, "stage_id")
    response = send(client, "post", move, {"stage_id": stage("Proposal").pk, "reopen": True})
    assert response.status_code == 200 and response.json()["status"] == "open"

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/restore").status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "x", "amount": "-1"}, "amount"),
        ({"name": "x", "amount": "1.234"}, "amount"),
        ({"name": "x", "currency": "XYZ"}, "currency"),
        ({"name": "x", "pipeline_id": 99999}, "pipeline_id"),
        ({"name": "x", "stage_id": 99999}, "stage_id"),
        ({"name": ""}, "name"),
        ({"name": "x", "unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_422_and_saves_nothing(rep, body, field):
    response = send(bearer_client(rep), "post", "/api/v1/deals", body)
    assert_validation(response, field)
    assert not Deal.all_objects.exists()


def test_visibility_filters_and_fixed_query_count(rep, teammate, manager):
    mine = make_deal(rep, "我的", amount="5")
    theirs = make_deal(teammate, "同事的", amount="7")
    rep_client = bearer_client(rep)
    assert rep_client.get(f"/api/v1/deals/{theirs.pk}").status_code == 404
    response = send(rep_client, "post", f"/api/v1/deals/{theirs.pk}/move",
                    {"stage_id": stage("Won").pk})  # fmt: skip
    assert response.status_code == 404
    names = [d["name"] for d in bearer_client(manager).get("/api/v1/deals").json()["items"]]
    assert set(names) == {"我的", "同事的"}
    items = rep_client.get("/api/v1/deals", {"ordering": "-amount"}).json()["items"]
    assert [d["id"] for d in items] == [mine.pk]
    manager_client = bearer_client(manager)
    manager_client.get("/api/v1/deals")
    with CaptureQueriesContext(connection) as two:
        manager_client.get("/api/v1/deals")
    for i in range(20):
        make_deal(rep, f"d{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(manager_client.get("/api/v1/deals").json()["items"]) == 22
    assert len(many) == len(two)
    assert_validation(rep_client.get("/api/v1/deals", {"ordering": "stage"}), "ordering")


def test_pipelines_and_rates_are_readable_by_sales_users(rep, admin_user):
    services.set_exchange_rate(admin_user, "USD", "7.1")
    client = bearer_client(rep)
    pipelines = client.get("/api/v1/pipelines").json()["items"]
    assert pipelines[0]["name"] == "New business"
    assert [s["kind"] for s in pipelines[0]["stages"]] == ["open", "open", "open", "won", "lost"]
    pipeline_id = default_pipeline().pk
    assert client.get(f"/api/v1/pipelines/{pipeline_id}").json()["name_zh"] == "新客户开发"
    assert client.get("/api/v1/pipelines/999999").status_code == 404
    assert client.get("/api/v1/exchange-rates").json()["items"][0]["currency"] == "USD"
