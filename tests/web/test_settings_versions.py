"""Settings records carry a version like customer records do (DESIGN.md, pattern 4): every
change adds one; a settings form loaded before someone else saved shows both values (status
409) and saves nothing until it is sent again; the API sends the ETag and answers a stale
`If-Match` with 412, changing nothing."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from kehu.accounts import services as accounts
from kehu.core.records import VersionConflict
from kehu.customers.fields import services as field_services
from kehu.sales.assignment import services as assignment
from kehu.sales.catalog import services as catalog
from kehu.sales.deals import services as deals
from kehu.sales.scoring import services as scoring
from tests.api.conftest import bearer_client, send
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _rows(prefix: str, rows: list[dict]) -> dict:
    """A formset as the edit page sends it: every row was there when the page was loaded."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(len(rows)),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def _stages(pipeline) -> list[dict]:
    return [
        {"id": s.pk, "name": s.name, "name_zh": s.name_zh, "probability": s.probability,
         "kind": s.kind}
        for s in pipeline.stages.all()
    ]  # fmt: skip


def _product(admin, sku="HW-1"):
    data = {"sku": sku, "name": "Router", "price": "100", "tax_rate": "13", "unit": "pcs"}
    return catalog.save_product(admin, None, data)


@dataclass
class Setting:
    """How one kind of setting is made, edited in its form, changed by someone else, read."""

    make: Any
    url: str
    mine: Any  # the form data the user sends (without `version`)
    theirs: Any  # someone else's change, through the service
    state: Any  # what the test compares: unchanged by the stale form
    row: tuple[str, str, str]  # the conflict row expected: label, theirs, yours


def _pipeline(admin):
    kinds = (("Talk", 20, "open"), ("Won", 100, "won"), ("Lost", 0, "lost"))
    stages = [{"id": "", "name": n, "name_zh": "", "probability": p, "kind": k}
              for n, p, k in kinds]  # fmt: skip
    return deals.save_pipeline(admin, None, {"name": "Projects", "stale_days": 30}, stages)


SETTINGS = {
    "custom field": Setting(
        make=lambda admin: field_services.create_field(
            admin, {"entity": "person", "label": "Level", "type": "text"}
        ),
        url="customfield-edit",
        mine=lambda r: {
            "label": "Grade",
            "label_zh": "",
            "type": "text",
            "choices": "",
            "position": "0",
            "active": "on",
        },  # fmt: skip
        theirs=lambda admin, r: field_services.update_field(admin, r, {"label": "Tier"}),
        state=lambda r: r.label,
        row=("Label", "Tier", "Grade"),
    ),
    "team": Setting(
        make=lambda admin: accounts.create_team(admin, {"name": "North"}),
        url="team-edit",
        mine=lambda r: {"name": "North-East"},
        theirs=lambda admin, r: accounts.update_team(admin, r, {"name": "North-West"}),
        state=lambda r: r.name,
        row=("Name", "North-West", "North-East"),
    ),
    "role": Setting(
        make=lambda admin: accounts.create_role(
            admin, {"name": "Helper", "scope": "own", "permissions": {"customers": ["read"]}}
        ),
        url="role-edit",
        mine=lambda r: {"name": "Helper", "scope": "team", "perm__customers__read": "on"},
        theirs=lambda admin, r: accounts.update_role(admin, r, {"scope": "all"}),
        state=lambda r: r.scope,
        row=("Record scope", "All records", "Team's records"),
    ),
    "product": Setting(
        make=_product,
        url="product-edit",
        mine=lambda r: {
            "sku": "HW-1",
            "name": "Router",
            "unit": "pcs",
            "price": "120.00",
            "tax_rate": "13.00",
            "active": "on",
        },  # fmt: skip
        theirs=lambda admin, r: catalog.save_product(admin, r, {"price": "90"}),
        state=lambda r: str(r.price),
        row=("Standard price", "90.00", "120.00"),
    ),
    "price list": Setting(
        make=lambda admin: catalog.save_price_list(
            admin,
            None,
            {"name": "Dealers", "currency": "CNY"},
            [{"product": _product(admin, "HW-2").pk, "min_quantity": "1", "unit_price": "80"}],
        ),  # fmt: skip
        url="price-list-edit",
        mine=lambda r: {
            "name": "Dealers",
            "currency": "CNY",
            "customer_tag": "",
            "active": "on",
            **_rows(
                "prices",
                [
                    {
                        "product": str(r.items.get().product_id),
                        "min_quantity": "1",
                        "unit_price": "70.00",
                    }
                ],
            ),
        },  # fmt: skip
        theirs=lambda admin, r: catalog.save_price_list(
            admin,
            r,
            {},
            [{"product": r.items.get().product_id, "min_quantity": "1", "unit_price": "75"}],
        ),  # fmt: skip
        state=lambda r: str(r.items.get().unit_price),
        row=("Row 1: Unit price", "75.00", "70.00"),
    ),
    "pipeline": Setting(
        make=_pipeline,
        url="pipeline-edit",
        mine=lambda r: {
            "name": "Projects",
            "name_zh": "",
            "stale_days": "30",
            "active": "on",
            **_rows(
                "stages", [{**s, "name": "Chat"} if s["name"] == "Talk" else s for s in _stages(r)]
            ),
        },  # fmt: skip
        theirs=lambda admin, r: deals.save_pipeline(
            admin,
            r,
            {"name": "Projects", "stale_days": 30},
            [{**s, "name": "Call"} if s["name"] == "Talk" else s for s in _stages(r)],
        ),  # fmt: skip
        state=lambda r: [s.name for s in r.stages.all()],
        row=("Row 1: Stage", "Call", "Chat"),
    ),
    "assignment rule": Setting(
        make=lambda admin: assignment.save_rule(
            admin,
            None,
            {"name": "Web leads", "entity": "lead", "method": "user", "user": admin.pk},
            [],
        ),  # fmt: skip
        url="assignment-rule-edit",
        mine=lambda r: {
            "name": "Web leads",
            "position": "0",
            "method": "user",
            "user": str(r.user_id),
            "team": "",
            "active": "",
            **_rows("conditions", []),
        },  # fmt: skip
        theirs=lambda admin, r: assignment.save_rule(
            admin, r, {"name": "Web", "entity": "lead", "method": "user", "user": admin.pk}, []
        ),
        state=lambda r: (r.name, r.active),
        row=("Name", "Web", "Web leads"),
    ),
    "scoring rule": Setting(
        make=lambda admin: scoring.save_rule(
            admin,
            None,
            {"name": "Big", "field": "source", "op": "equals", "value": "web", "points": 10},
        ),  # fmt: skip
        url="scoring-rule-edit",
        mine=lambda r: {
            "name": "Big",
            "field": "source",
            "op": "equals",
            "value": "web",
            "points": "20",
            "active": "on",
        },  # fmt: skip
        theirs=lambda admin, r: scoring.save_rule(
            admin,
            r,
            {"name": "Big", "field": "source", "op": "equals", "value": "web", "points": 5},
        ),  # fmt: skip
        state=lambda r: r.points,
        row=("Points", "5", "20"),
    ),
}


@pytest.mark.parametrize("kind", SETTINGS)
def test_a_stale_settings_form_shows_the_conflict_and_saves_nothing(
    client, admin_user, kind, django_capture_on_commit_callbacks
):
    setting = SETTINGS[kind]
    other_admin = make_user("admin2", role="Administrator")
    record = setting.make(admin_user)
    assert record.version == 1
    url = reverse(setting.url, args=[record.pk])
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert 'name="version" value="1"' in page, kind
    mine = setting.mine(record)
    with django_capture_on_commit_callbacks(execute=False):
        setting.theirs(other_admin, type(record).objects.get(pk=record.pk))
    record.refresh_from_db()
    assert record.version == 2, kind  # their change added one
    stored = setting.state(record)

    response = client.post(url, {**mine, "version": "1"})
    assert response.status_code == 409, (kind, response.status_code)
    body = response.content.decode()
    assert "Someone else changed this record" in body
    rows = [(r["label"], r["theirs"], r["yours"]) for r in response.context["conflict"]]
    assert setting.row in rows, (kind, rows)
    assert response.context["conflict_by"].actor == other_admin
    assert 'name="version" value="2"' in body  # sending it again overwrites, knowingly
    record.refresh_from_db()
    assert (setting.state(record), record.version) == (stored, 2), kind

    with django_capture_on_commit_callbacks(execute=False):
        again = client.post(url, {**mine, "version": "2"})
    assert again.status_code == 302, (kind, again.content.decode()[:3000])
    record.refresh_from_db()
    assert setting.state(record) != stored and record.version == 3, kind


def test_saving_without_a_change_keeps_the_version(admin_user):
    team = accounts.create_team(admin_user, {"name": "North"})
    assert accounts.update_team(admin_user, team, {"name": "North"}, 1).version == 1
    product = _product(admin_user)
    assert catalog.save_product(admin_user, product, {"price": "100"}, 1).version == 1
    with pytest.raises(VersionConflict):
        catalog.save_product(admin_user, product, {"price": "1"}, 7)


@pytest.mark.parametrize(
    ("path", "make", "change"),
    [
        (
            "/api/v1/custom-fields",
            lambda admin: field_services.create_field(
                admin, {"entity": "person", "label": "Level", "type": "text"}
            ),
            {"label": "Tier"},
        ),
        ("/api/v1/products", _product, {"price": "90"}),
        (
            "/api/v1/price-lists",
            lambda admin: catalog.save_price_list(
                admin, None, {"name": "Dealers", "currency": "CNY"}, []
            ),
            {"name": "Resellers"},
        ),
    ],
)
def test_the_api_sends_the_etag_and_refuses_a_stale_if_match(admin_user, path, make, change):
    record = make(admin_user)
    api = bearer_client(admin_user)
    url = f"{path}/{record.pk}"
    read = api.get(url)
    assert read["ETag"] == 'W/"1"' and read.json()["version"] == 1
    changed = send(api, "patch", url, change, **{"If-Match": 'W/"1"'})
    assert changed.status_code == 200 and changed["ETag"] == 'W/"2"'
    assert changed.json()["version"] == 2
    stale = send(api, "patch", url, {"active": False}, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412 and stale.json()["current_version"] == 2
    record.refresh_from_db()
    assert record.active is True and record.version == 2
