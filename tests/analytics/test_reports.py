"""The report builder's numbers equal a direct ORM computation over the same fixed data, and a
report never counts what its viewer may not see."""

import datetime
import decimal
import statistics
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.analytics.reports import definition, running
from kehu.customers.models import Person
from kehu.sales.deals import services as sales_services
from kehu.sales.models import Deal
from tests.factories import make_deal, make_person, stage

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
D = decimal.Decimal


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def deal(owner, name, amount, created, currency="CNY", kind="Negotiation"):
    made = make_deal(owner, name, amount=amount, currency=currency)
    Deal.objects.filter(pk=made.pk).update(created_at=at(created), stage=stage(kind))
    return made


@pytest.fixture
def sales(rep, teammate, manager, outsider, admin_user):
    for user in (rep, teammate, manager, outsider, admin_user):
        user.time_zone = "Asia/Shanghai"
        user.save(update_fields=["time_zone"])
    sales_services.set_exchange_rate(admin_user, "USD", "7")
    deal(rep, "一", "100", "2026-10-05 10:00")
    deal(rep, "二", "300", "2026-10-20 10:00", kind="Won")
    # 1 Nov 01:00 in Shanghai is still October in UTC: November for a Shanghai viewer
    deal(rep, "三", "50", "2026-11-01 01:00", currency="USD")
    deal(rep, "四", "1000", "2026-11-15 10:00", kind="Won")
    deal(teammate, "五", "700", "2026-10-07 10:00")
    deal(teammate, "六", "20", "2026-11-09 10:00")
    deal(outsider, "七", "999", "2026-11-10 10:00")
    return rep


def run(user, data):
    return running.run(definition.parse(data), user)


def by_keys(result):
    return {r.keys: r.value.value for r in result.rows}


def test_owner_by_month_counts_and_sums_equal_the_orm(sales, manager, rep, teammate):
    count = run(manager, {"record_type": "deal", "group_by": ["owner", "created_at:month"]})
    total = run(manager, {"record_type": "deal", "group_by": ["owner", "created_at:month"],
                          "measure": {"how": "sum", "field": "amount"}})  # fmt: skip
    expected_n: Counter = Counter()
    expected_sum: dict = defaultdict(D)
    for d in Deal.objects.filter(owner__in=[rep, teammate, manager]):
        month = d.created_at.astimezone(SHANGHAI).strftime("%Y-%m")
        expected_n[(d.owner_id, month)] += 1
        expected_sum[(d.owner_id, month)] += d.amount * (7 if d.currency == "USD" else 1)
    assert by_keys(count) == dict(expected_n)
    assert by_keys(total) == {k: v.quantize(D("0.01")) for k, v in expected_sum.items()}
    assert (rep.pk, "2026-11") in expected_n and expected_n[(rep.pk, "2026-11")] == 2
    assert count.total.value == 6
    assert total.total.value == D("2470.00")  # 100+300+350+1000+700+20
    # the two dimensions' own totals
    assert count.totals[0] == {rep.pk: running.Value(4), teammate.pk: running.Value(2)}
    assert count.totals[1] == {"2026-10": running.Value(3), "2026-11": running.Value(3)}
    assert {r.labels[0] for r in count.rows} == {str(rep), str(teammate)}


def test_median_min_max_and_average(sales, manager, rep):
    amounts = [D(x) for x in ("100", "300", "350", "1000", "700", "20")]
    for how, expected in (
        ("median", statistics.median(amounts)),
        ("min", min(amounts)),
        ("max", max(amounts)),
        ("avg", sum(amounts) / len(amounts)),
    ):
        result = run(manager, {"record_type": "deal", "measure": {"how": how, "field": "amount"}})
        assert result.total.value == expected.quantize(D("0.01")), how
    by_owner = run(manager, {"record_type": "deal", "group_by": ["owner"],
                             "measure": {"how": "median", "field": "amount"}})  # fmt: skip
    assert by_keys(by_owner)[(rep.pk,)] == D("325.00")  # median of 100, 300, 350, 1000


def test_a_missing_rate_shows_no_value_with_the_reason(sales, manager, rep):
    made = deal(rep, "八", "10", "2026-11-20 10:00")
    Deal.objects.filter(pk=made.pk).update(currency="EUR")  # a rate removed since
    result = run(manager, {"record_type": "deal", "group_by": ["owner"],
                           "measure": {"how": "sum", "field": "amount"}})  # fmt: skip
    assert result.total.value is None and "EUR" in result.total.reason
    mine = by_keys(result)
    assert mine[(rep.pk,)] is None  # the rep's deals include the EUR one
    assert [r.value.reason for r in result.rows if r.keys == (rep.pk,)][0]
    assert result.totals == []  # one dimension: no separate totals


def test_empty_and_division_by_zero_are_no_value(rep):
    result = run(rep, {"record_type": "deal", "measure": {"how": "avg", "field": "amount"}})
    assert result.total.value is None and result.total.reason
    counted = run(rep, {"record_type": "deal", "group_by": ["stage"]})
    assert counted.total.value == 0 and counted.rows == []


def test_groups_by_stage_status_tags_and_week(sales, manager, rep, admin_user):
    by_stage = run(manager, {"record_type": "deal", "group_by": ["stage"]})
    labels = {r.labels[0]: r.value.value for r in by_stage.rows}
    assert labels["Won"] == 2 and labels["Negotiation"] == 4
    by_status = run(manager, {"record_type": "deal", "group_by": ["status"], "chart": "pie"})
    assert {r.keys[0]: r.value.value for r in by_status.rows} == {"won": 2, "open": 4}
    by_week = run(manager, {"record_type": "deal", "group_by": ["created_at:week"]})
    assert sum(r.value.value for r in by_week.rows) == 6
    assert all(r.keys[0].startswith("2026-W") for r in by_week.rows)
    make_person(rep, "甲", tags=["VIP"])
    make_person(rep, "乙")
    by_tag = run(rep, {"record_type": "person", "group_by": ["tags"]})
    assert {r.labels[0]: r.value.value for r in by_tag.rows} == {"VIP": 1, "(none)": 1}


def test_condition_narrows_and_me_is_the_viewer(sales, manager, rep):
    mine = run(
        manager,
        {
            "record_type": "deal",
            "condition": {"all": [{"field": "owner", "op": "eq", "value": "me"}]},
        },
    )
    assert mine.total.value == 0  # the manager owns no deals
    won = run(manager, {"record_type": "deal",
                        "condition": {"field": "status", "op": "eq", "value": "won"}})  # fmt: skip
    assert won.total.value == 2


def test_groups_are_capped(rep, monkeypatch):
    monkeypatch.setattr(running, "MAX_GROUPS", 3)
    for i in range(5):
        person = make_person(rep, f"人{i}")
        Person.objects.filter(pk=person.pk).update(created_at=at(f"2026-0{i + 1}-10 10:00"))
    result = run(rep, {"record_type": "person", "group_by": ["created_at:month"]})
    assert result.truncated and len(result.rows) == 3
    assert result.total.value == 5


@pytest.mark.parametrize(("added", "part_rows"), [(100_000, 200_000), (1, 200_000), (100_000, 4)])
def test_a_cut_report_adds_its_totals_up_from_all_its_groups(
    rep, teammate, admin_user, monkeypatch, added, part_rows
):
    """Past MAX_GROUPS, a count's totals still count every record: read from the groups past
    the shown ones (one grouping query), or, past MAX_ADDED_GROUPS groups or MAX_PART_ROWS rows
    read, asked of the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(running, "MAX_GROUPS", 3)
    monkeypatch.setattr(running, "MAX_ADDED_GROUPS", added)
    monkeypatch.setattr(running, "MAX_PART_ROWS", part_rows)
    for owner in (rep, teammate):
        for i in range(4):
            person = make_person(owner, f"人{owner.pk}-{i}")
            Person.objects.filter(pk=person.pk).update(created_at=at(f"2026-0{i + 1}-10 10:00"))
    viewer = admin_user
    with CaptureQueriesContext(connection) as queries:
        result = run(viewer, {"record_type": "person", "group_by": ["owner", "created_at:month"],
                              "chart": "pivot"})  # fmt: skip
    assert result.truncated and len(result.rows) == 3
    seen = Person.objects.visible_to(viewer)
    assert result.total.value == seen.count() == 8
    by_owner, by_month = result.totals
    for owner, value in by_owner.items():
        assert value.value == seen.filter(owner_id=owner).count()
    for month, value in by_month.items():
        assert value.value == seen.filter(created_at__month=int(month[5:7])).count() == 2
    grouping = [q for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouping) == (1 if added > 1 and part_rows > 4 else 3)


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"record_type": "deal; drop table"}, "record_type"),
        ({"record_type": "deal", "group_by": ["amount"]}, "group_by.0"),
        ({"record_type": "deal", "group_by": ["owner__password"]}, "group_by.0"),
        ({"record_type": "deal", "group_by": ["owner", "stage", "pipeline"]}, "group_by"),
        ({"record_type": "deal", "group_by": "owner"}, "group_by"),
        ({"record_type": "deal", "measure": {"how": "sum", "field": "owner__password"}},
         "measure.field"),
        ({"record_type": "deal", "measure": {"how": "stddev", "field": "amount"}}, "measure.how"),
        ({"record_type": "deal", "measure": "count(*)"}, "measure"),
        ({"record_type": "deal", "chart": "<script>"}, "chart"),
        ({"record_type": "deal", "chart": "pivot", "group_by": ["owner"]}, "chart"),
        ({"record_type": "deal", "condition": {"field": "nope", "op": "eq", "value": 1}},
         "condition.field"),
        ({"record_type": "deal", "condition": {"field": "name", "op": "regex", "value": "x"}},
         "condition.op"),
        ({"record_type": "deal", "condition": {"all": [{"all": [{"all": [{"all": [{"all": [
            {"all": [{"all": []}]}]}]}]}]}]}}, "condition.all.0.all.0.all.0.all.0.all.0.all.0"),
        ({"record_type": "deal", "group_by": [["owner"]]}, "group_by.0"),
        ({"record_type": "deal", "group_by": ["owner"] * 10_000}, "definition"),
        ({"record_type": "deal", "sql": "select 1"}, "definition"),
    ],
)  # fmt: skip
def test_hostile_definitions_name_the_field(db, data, where):
    with pytest.raises(ValidationError) as caught:
        definition.parse(data)
    assert where in caught.value.message_dict, caught.value.message_dict


def test_a_report_never_counts_what_the_viewer_cannot_see(sales, rep, teammate, manager, outsider,
                                                          admin_user):  # fmt: skip
    scopes = {
        "rep": (rep, [rep.pk]),
        "outsider": (outsider, [outsider.pk]),
        "manager": (manager, [rep.pk, teammate.pk, manager.pk]),
    }
    dims = [None, "owner", "stage", "status", "created_at:month", "owner.team"]
    measures = [
        {"how": "count"},
        {"how": "sum", "field": "amount"},
        {"how": "median", "field": "amount"},
        {"how": "max", "field": "amount"},
    ]

    @settings(max_examples=30, database=None, deadline=None)
    @given(st.sampled_from(sorted(scopes)), st.sampled_from(dims), st.sampled_from(measures))
    def same_as_the_admin_over_their_owners(persona, dim, measure):
        user, owners = scopes[persona]
        base = {"record_type": "deal", "group_by": [dim] if dim else [], "measure": measure}
        mine = run(user, base)
        theirs = run(admin_user, {**base, "condition": {"field": "owner", "op": "in",
                                                        "value": owners}})  # fmt: skip
        assert mine.total == theirs.total
        assert [(r.keys, r.value) for r in mine.rows] == [(r.keys, r.value) for r in theirs.rows]

    same_as_the_admin_over_their_owners()


def test_result_survives_json(sales, manager):
    result = run(
        manager,
        {
            "record_type": "deal",
            "group_by": ["owner", "stage"],
            "measure": {"how": "sum", "field": "amount"},
            "chart": "pivot",
        },
    )
    again = running.Result.from_json(result.as_json())
    assert again.rows == result.rows and again.total == result.total
    assert again.totals == result.totals


def test_custom_choice_fields_group_and_custom_numbers_measure(rep, admin_user):
    from kehu.customers.fields import services as field_services

    tier = {"entity": "person", "key": "tier", "label": "级别", "type": "choice"}
    field_services.create_field(admin_user, {**tier, "choices": ["金", "银"]})
    field_services.create_field(admin_user, {"entity": "person", "key": "visits",
                                             "label": "来访", "type": "number"})  # fmt: skip
    make_person(rep, "甲", custom={"tier": "金", "visits": 3})
    make_person(rep, "乙", custom={"tier": "金", "visits": 5})
    make_person(rep, "丙", custom={"tier": "银"})
    make_person(rep, "丁")
    by_tier = run(rep, {"record_type": "person", "group_by": ["custom.tier"]})
    assert {r.labels[0]: r.value.value for r in by_tier.rows} == {"金": 2, "银": 1, "(none)": 1}
    visits = run(rep, {"record_type": "person", "group_by": ["custom.tier"],
                       "measure": {"how": "sum", "field": "custom.visits"}})  # fmt: skip
    assert {r.labels[0]: r.value.value for r in visits.rows} == {"金": D("8.00")}
    median = run(rep, {"record_type": "person",
                       "measure": {"how": "median", "field": "custom.visits"}})  # fmt: skip
    assert median.total.value == D("4.00")


def test_two_dimensions_draw_as_a_pivot_and_a_stacked_bar(sales, manager, rep, client):
    from kehu.analytics.reports import presenting

    result = run(manager, {"record_type": "deal", "group_by": ["owner", "stage"],
                           "chart": "stacked_bar"})  # fmt: skip
    pivot = presenting.pivot_of(result, "deal")
    assert pivot.column_labels == ["Negotiation", "Won"]
    rep_row = next(r for r in pivot.rows if r.label == str(rep))
    assert [c.text for c in rep_row.cells] == ["2", "2"] and rep_row.total.text == "4"
    assert rep_row.cells[1].link.startswith("/deals/?owner=")
    assert "stage=" in rep_row.cells[1].link
    chart = presenting.chart_of(result, "deal", "stacked_bar", "按阶段")
    assert chart is not None and [s.name for s in chart.series] == ["Negotiation", "Won"]
    assert [c.text for c in pivot.column_totals] == ["4", "2"]
