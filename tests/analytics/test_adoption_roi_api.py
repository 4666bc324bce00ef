"""GET /api/v1/adoption (the weeks of the colleagues the caller may see) and GET|PUT
/api/v1/roi (managers read, administrators change the inputs with If-Match)."""

import datetime

import pytest
from django.utils import timezone

from kehu.analytics.adoption.recording import add
from kehu.analytics.roi.models import RoiInputs
from tests.analytics.test_api import client_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def monday(rep, teammate, outsider):
    today = timezone.localdate()
    first = today - datetime.timedelta(days=today.weekday())
    add(rep.pk, first, {"calls": 2, "actions": 2})
    add(outsider.pk, first, {"notes": 5})
    return first


def test_adoption_gives_each_visible_colleagues_weeks(rep, manager, monday):
    mine = client_of(rep).get("/api/v1/adoption").json()
    assert [p["username"] for p in mine["items"]] == ["rep"]
    (week,) = [w for w in mine["items"][0]["weeks"] if w["week"] == monday.isoformat()]
    assert (week["activities_logged"], week["active_days"]) == (2, 1)
    assert len(mine["items"][0]["weeks"]) == 4
    team = client_of(manager).get("/api/v1/adoption").json()
    assert [p["username"] for p in team["items"]] == ["manager", "rep", "teammate"]


def test_adoption_refuses_an_end_before_the_start(rep):
    response = client_of(rep).get("/api/v1/adoption?start=2026-12-01&end=2026-11-01")
    assert response.status_code == 422 and "end" in response.json()["errors"]
    assert client_of(rep).get("/api/v1/adoption?start=yesterday").status_code == 422


BODY = {"hosting_monthly": "500", "staff_hours_monthly": "10", "hourly_rate": "100",
        "training_monthly": "500", "gross_margin_percent": "40"}  # fmt: skip


def test_roi_read_and_changed_with_if_match(admin_user, manager, rep, monday):
    api = client_of(admin_user)
    read = api.get("/api/v1/roi")
    assert read.status_code == 200 and read["ETag"] == 'W/"1"'
    assert read.json()["roi"]["roi_percent"]["value"] is None  # no costs yet: "—"
    assert read.json()["roi"]["roi_percent"]["reason"]
    put = api.put("/api/v1/roi", BODY, content_type="application/json",
                  headers={"If-Match": 'W/"1"'})  # fmt: skip
    assert put["ETag"] == 'W/"2"'
    assert put.status_code == 200, put.content
    assert put.json()["roi"]["cost_monthly"] == "2000.00"
    stale = api.put("/api/v1/roi", {**BODY, "hosting_monthly": "1"},
                    content_type="application/json", headers={"If-Match": 'W/"1"'})  # fmt: skip
    assert stale.status_code == 412  # read before the first save
    assert RoiInputs.objects.get().hosting_monthly == 500
    assert client_of(manager).get("/api/v1/roi").json()["inputs"]["editable"] is False
    assert client_of(manager).put("/api/v1/roi", BODY, content_type="application/json"
                                  ).status_code == 403  # fmt: skip
    assert client_of(rep).get("/api/v1/roi").status_code == 403


def test_roi_bad_input_is_a_422_naming_the_field(admin_user):
    api = client_of(admin_user)
    bad = api.put("/api/v1/roi", {**BODY, "gross_margin_percent": "150"},
                  content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and "gross_margin_percent" in bad.json()["errors"]
    periods = api.get("/api/v1/roi?before_start=2026-02-01&before_end=2026-01-01"
                      "&after_start=2026-03-01&after_end=2026-03-31")  # fmt: skip
    assert periods.status_code == 422 and "before_end" in periods.json()["errors"]
    assert not RoiInputs.objects.exists()
