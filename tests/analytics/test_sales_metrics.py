"""Each metric of the catalogue against values worked out by hand on the fixed world of
conftest.py (December 2026 for a rep in Shanghai, seen on the 15th)."""

import datetime
import decimal

import pytest

from kehu.analytics import metrics
from kehu.analytics.metrics import period_for, value
from kehu.sales.models import ExchangeRate
from tests.analytics.conftest import NOW

D = decimal.Decimal


def this_month(user):
    return period_for(user, "this_month", now=NOW)


def number(key, user, **options):
    return value(key, user, this_month(user), now=NOW, **options).total.value


EXPECTED_FOR_THE_REP = {
    "revenue_won": D("1700.00"),  # 1000 CNY + 100 USD × 7
    "deals_won": 2,
    "deals_lost": 1,
    "win_rate": D("66.7"),  # 2 ÷ 3
    "average_deal_size": D("850.00"),
    "sales_cycle_days": D("22.0"),  # median of 34 and 10 days
    "sales_growth": D("325.0"),  # (1700 − 400) ÷ 400
    "sales_growth_yoy": D("100.0"),  # (1700 − 850) ÷ 850, December 2025
    "pipeline_value": D("2000.00"),
    "pipeline_weighted": D("1400.00"),  # 2000 × 70 % (Negotiation)
    "open_deals": 1,
    "pipeline_velocity": D("25.76"),  # 1 × 2/3 × 850 ÷ 22 days
    "new_leads": 4,
    "new_leads_converted": 1,
    "lead_conversion_rate": D("25.0"),
    "new_customers": 2,  # 新客户 and 散客; 老客户 bought before, 取消公司 cancelled
    "active_customers": 3,  # 老客户, 新客户, 散客
    "customer_retention_rate": D("50.0"),  # (3 − 2 new) ÷ 2 in November (老客户, 流失公司)
    "quotes_sent": 2,  # two numbers in December, one of them sent twice
    "calls_made": 2,  # one incoming left out, one in November
    "meetings_held": 1,  # the 20 December one has not happened yet
    "tasks_done_on_time": 1,
    # 3 calls, the meeting held, 3 tasks and the 2 emails answering leads (not the 20th's)
    "activities_logged": 9,
    "stage_conversion": D("0.0"),  # of the one deal created in December (四号), none won
    "lead_response_hours": D("8.0"),  # median of 6 h (甲) and 10 h (丁); 乙 and 丙 untouched
    "order_revenue": D("40.00"),  # four orders of 10 CNY, the cancelled one left out
    "revenue_per_customer": D("13.33"),  # 40 ÷ 3 active customers
    "repeat_customers": 2,  # 老客户 (ordered before), 新客户 (twice in December); not 散客
    "repeat_purchase_rate": D("66.7"),  # 2 ÷ 3
}


def test_each_metric_gives_the_hand_computed_value(world):
    """One world for all of them (building it is the slow part); every mismatch is listed."""
    wrong = {}
    for key, expected in EXPECTED_FOR_THE_REP.items():
        got = value(key, world.rep, this_month(world.rep), now=NOW).total
        if got != metrics.Number(expected):
            wrong[key] = (got, expected)
    assert wrong == {}


def test_every_registered_metric_has_a_hand_computed_test():
    """The service desk's have theirs in tests/service/test_sla.py."""
    found = {m.key for m in metrics.metrics() if m.domain != "service"}
    assert found == set(EXPECTED_FOR_THE_REP)


def test_a_manager_sees_the_team_and_can_split_it_by_owner(world):
    result = value("revenue_won", world.manager, this_month(world.manager), group_by="owner",
                   now=NOW)  # fmt: skip
    assert result.total.value == D("11699.00")
    assert [(g.label, g.number.value) for g in result.groups] == [
        ("rep", D("1700.00")),
        ("teammate", D("9999.00")),
    ]


def test_a_rep_never_counts_a_teammates_deals(world):
    assert number("revenue_won", world.rep) == D("1700.00")
    assert number("pipeline_value", world.rep) == D("2000.00")
    assert number("pipeline_value", world.outsider) == 0


def test_the_month_starts_in_the_users_time_zone(world):
    """The USD deal closed on 1 December at 01:00 in Shanghai, still November in UTC."""
    world.rep.time_zone = "UTC"
    period = period_for(world.rep, "this_month", now=NOW)
    assert value("deals_won", world.rep, period, now=NOW).total.value == 1
    last = period_for(world.rep, "last_month", now=NOW)
    assert value("deals_won", world.rep, last, now=NOW).total.value == 2


def test_grouped_by_month_over_a_custom_period(world):
    period = period_for(world.rep, "custom", datetime.date(2026, 10, 1),
                        datetime.date(2026, 12, 31))  # fmt: skip
    result = value("deals_won", world.rep, period, group_by="month", now=NOW)
    assert [(g.key, g.number.value) for g in result.groups] == [("2026-11", 1), ("2026-12", 2)]
    customers = value("new_customers", world.rep, period, group_by="quarter", now=NOW)
    assert [(g.key, g.number.value) for g in customers.groups] == [("2026-Q4", 4)]
    active = value("active_customers", world.rep, period, group_by="month", now=NOW)
    assert [(g.key, g.number.value) for g in active.groups] == [
        ("2026-10", 1),
        ("2026-11", 2),
        ("2026-12", 3),
    ]


def test_a_formula_is_split_by_the_same_groups(world):
    result = value("lead_conversion_rate", world.rep, this_month(world.rep), group_by="source",
                   now=NOW)  # fmt: skip
    assert [(g.label, g.number.value) for g in result.groups] == [
        ("Referral", D("0.0")),
        ("Web form", D("33.3")),
    ]


def test_pipeline_by_stage(world):
    result = value("pipeline_weighted", world.manager, this_month(world.manager),
                   group_by="stage", now=NOW)  # fmt: skip
    assert [(g.label, g.number.value) for g in result.groups] == [("Negotiation", D("3500.00"))]


def test_a_condition_narrows_the_records(world):
    condition = {"field": "amount", "op": "gt", "value": 500}
    assert number("revenue_won", world.rep, condition=condition) == D("1000.00")
    assert number("win_rate", world.rep, condition=condition) == D("100.0")


def test_an_empty_period_has_no_average_and_says_why(world):
    period = period_for(world.rep, "custom", datetime.date(2020, 1, 1), datetime.date(2020, 1, 31))
    for key in ("win_rate", "average_deal_size", "sales_cycle_days", "lead_conversion_rate"):
        got = value(key, world.rep, period, now=NOW).total
        assert got.value is None and got.reason, key
    assert value("revenue_won", world.rep, period, now=NOW).total.value == 0
    assert value("deals_won", world.rep, period, now=NOW).total.value == 0


def test_a_missing_exchange_rate_gives_no_value_with_the_reason(world):
    ExchangeRate.objects.filter(currency="USD").delete()
    got = value("revenue_won", world.rep, this_month(world.rep), now=NOW).total
    assert got.value is None
    assert "USD" in got.reason
    by_owner = value("revenue_won", world.manager, this_month(world.manager), group_by="owner",
                     now=NOW)  # fmt: skip
    assert [(g.label, g.number.value) for g in by_owner.groups] == [
        ("rep", None),
        ("teammate", D("9999.00")),
    ]


def test_growth_without_revenue_before_has_no_value(world):
    period = period_for(
        world.rep, "custom", datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)
    )
    got = value("sales_growth", world.rep, period, now=NOW).total
    assert got.value is None and got.reason


def test_every_metric_is_documented():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text()
    assert [m.key for m in metrics.metrics() if f"`{m.key}`" not in page] == []


@pytest.fixture
def lead_score_metrics():
    """Metrics of a plain number field (not money), as another domain might register."""
    from kehu.analytics.metrics import Aggregate, Metric, register_metric, registry

    keys = []
    for how in ("sum", "avg", "median", "min", "max"):
        key = f"test_lead_score_{how}"
        register_metric(Metric(key, key, "count", "lead", Aggregate(how, "score"), key, key,
                               date="created_at", dimensions=("source",)))  # fmt: skip
        keys.append(key)
    yield
    for key in keys:
        registry._METRICS.pop(key)


def test_aggregates_of_a_plain_number(world, lead_score_metrics):
    from kehu.sales.models import Lead

    for score, name in zip(
        (10, 20, 60, 5), ("甲 web", "乙 web", "丙 web", "丁 referral"), strict=True
    ):
        Lead.objects.filter(name=name).update(score=score)
    expected = {"sum": 95, "avg": D("23.8"), "median": D("15.0"), "min": 5, "max": 60}
    for how, total in expected.items():
        assert number(f"test_lead_score_{how}", world.rep) == total, how
    by_source = value("test_lead_score_median", world.rep, this_month(world.rep),
                      group_by="source", now=NOW)  # fmt: skip
    assert [(g.label, g.number.value) for g in by_source.groups] == [
        ("Referral", D("5.0")),
        ("Web form", D("20.0")),
    ]


def test_a_condition_naming_an_unregistered_field_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        number("revenue_won", world.rep, condition={"field": "owner__password", "op": "eq",
                                                    "value": "x"})  # fmt: skip
    assert raised.value.message_dict
