"""GET /api/v1/metrics (the catalogue) and GET /api/v1/metrics/{key} (a value the caller may
see), with the bad input a client may send."""

import pytest
from django.test import Client

from kehu.accounts.models import ApiToken


def client_of(user, language="en") -> Client:
    secret = ApiToken.issue(user, "metrics")[1]
    return Client(headers={"Authorization": f"Bearer {secret}", "Accept-Language": language})


def test_the_catalogue_lists_every_metric_with_its_definition_in_the_callers_language(rep):
    english = client_of(rep).get("/api/v1/metrics").json()
    win_rate = next(m for m in english["items"] if m["key"] == "win_rate")
    assert win_rate["label"] == "Win rate"
    assert win_rate["unit"] == "percent"
    assert "deals won" in win_rate["formula"]
    assert {"key": "owner", "label": "Owner"} in win_rate["dimensions"]
    chinese = client_of(rep, "zh-hans").get("/api/v1/metrics").json()
    win_rate = next(m for m in chinese["items"] if m["key"] == "win_rate")
    assert win_rate["label"] == "赢单率"


def test_a_value_for_the_callers_own_records(world):
    response = client_of(world.rep).get(
        "/api/v1/metrics/revenue_won?period=custom&start=2026-12-01&end=2026-12-31"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["value"] == "1700.00"
    assert body["currency"] == "CNY"
    assert body["period"] == {"kind": "custom", "start": "2026-12-01", "end": "2026-12-31"}
    assert body["groups"] is None


def test_grouped_values_name_their_groups(world):
    response = client_of(world.manager).get(
        "/api/v1/metrics/deals_won?period=custom&start=2026-12-01&end=2026-12-31&group_by=owner"
    )
    groups = response.json()["groups"]
    assert [(g["label"], g["value"]) for g in groups] == [("rep", "2"), ("teammate", "1")]
    assert groups[0]["key"] == world.rep.pk


def test_an_empty_period_answers_null_with_the_reason(world):
    body = (
        client_of(world.rep)
        .get("/api/v1/metrics/win_rate?period=custom&start=2020-01-01&end=2020-01-31")
        .json()
    )
    assert body["value"] is None
    assert body["reason"] == "No deal was closed in this period."


def test_an_unknown_metric_is_404(rep):
    response = client_of(rep).get("/api/v1/metrics/no_such_metric")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("period=yesterday", "period"),
        ("period=custom", "start"),
        ("period=custom&start=2026-12-01", "end"),
        ("period=custom&start=2026-12-31&end=2026-12-01", "end"),
        ("period=custom&start=2026-13-01&end=2026-12-01", "start"),
        ("period=custom&start=0001-01-01&end=2026-12-01", "start"),
        ("period=this_month&start=2026-12-01", "start"),
        ("group_by=stage", "group_by"),  # a dimension, but not one of revenue won's
        ("group_by=amount", "group_by"),
        ("group_by=owner_id%3D1%20OR%201", "group_by"),
        ("group_by=" + "x" * 41, "group_by"),
        ("group_by=a%00b", "group_by"),
    ],
)
def test_bad_input_is_422_naming_the_parameter(rep, query, field):
    response = client_of(rep).get(f"/api/v1/metrics/revenue_won?{query}")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    assert field in body["errors"], body


def test_without_a_token_is_401(db):
    assert Client().get("/api/v1/metrics").status_code == 401
    assert Client().get("/api/v1/metrics/revenue_won").status_code == 401
