"""The forecast: won, committed, weighted and best case per owner, team and pipeline, in the
company currency, against targets that managers set for their team; the same in the API."""

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kehu.sales.deals import services
from kehu.sales.forecast import services as forecast
from kehu.sales.models import Deal, SalesTarget
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_deal, stage

pytestmark = pytest.mark.django_db
Q4 = forecast.parse_period("2026-Q4")


def deal(owner, amount, stage_name="Qualification", close="2026-11-15", currency="CNY"):
    made = make_deal(owner, f"d{amount}", amount=amount, expected_close=close, currency=currency)
    if stage_name != "Qualification":
        reason = "x" if stage_name == "Lost" else None
        made = services.move_deal(owner, made, stage(stage_name).pk, reason=reason)
    return made


def won_in(made, day: str):
    Deal.objects.filter(pk=made.pk).update(
        closed_at=datetime.datetime.fromisoformat(f"{day}T12:00:00+08:00")
    )


def test_periods_parse_and_step():
    assert (Q4.start, Q4.end) == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    month = forecast.parse_period("2026-02")
    assert month.end == datetime.date(2026, 2, 28) and month.shifted(-2).label == "2025-12"
    assert Q4.shifted(1).label == "2027-Q1"
    for bad in ("2026-Q5", "2026-13", "26-Q1", "x"):
        with pytest.raises(ValidationError):
            forecast.parse_period(bad)


def test_forecast_sums_by_owner_in_company_currency(rep, teammate, admin_user):
    services.set_exchange_rate(admin_user, "USD", "7")
    deal(rep, "1000")  # Qualification 10 %
    deal(rep, "100", "Negotiation", currency="USD")  # 700 CNY at 70 %: committed
    deal(rep, "5000", close="2027-01-10")  # next quarter: not counted
    won_in(deal(rep, "300", "Won"), "2026-12-01")
    won_in(deal(rep, "999", "Won"), "2026-09-30")  # won last quarter
    deal(rep, "50", "Lost")
    deal(teammate, "2000", "Proposal")  # 40 %
    result = forecast.forecast(admin_user, Q4, "owner")
    mine = next(r for r in result.rows if r.key == rep.pk)
    assert mine.won == decimal.Decimal("300.00")
    assert mine.best_case == decimal.Decimal("1700.00")
    assert mine.weighted == decimal.Decimal("590.00")  # 100 + 490
    assert mine.committed == decimal.Decimal("700.00")
    theirs = next(r for r in result.rows if r.key == teammate.pk)
    assert theirs.weighted == decimal.Decimal("800.00") and theirs.won == 0
    assert result.total.best_case == decimal.Decimal("3700.00")
    # a rep sees only their own deals in it
    assert [r.key for r in forecast.forecast(rep, Q4, "owner").rows] == [rep.pk]


def test_groups_by_team_and_pipeline(rep, teammate, outsider, admin_user):
    deal(rep, "100")
    deal(teammate, "200")
    deal(outsider, "400")
    by_team = {r.label: r.best_case for r in forecast.forecast(admin_user, Q4, "team").rows}
    assert by_team == {"Team A": decimal.Decimal("300.00"), "Team B": decimal.Decimal("400.00")}
    by_pipeline = forecast.forecast(admin_user, Q4, "pipeline").rows
    assert [(r.label, r.best_case) for r in by_pipeline] == [("New business", 700)]


def test_managers_set_targets_for_their_team_only(manager, rep, outsider, team_a, team_b):
    forecast.set_target(manager, Q4, user=rep, amount="10000")
    forecast.set_target(manager, Q4, team=team_a, amount="50000")
    with pytest.raises(PermissionDenied):
        forecast.set_target(manager, Q4, user=outsider, amount="1")
    with pytest.raises(PermissionDenied):
        forecast.set_target(manager, Q4, team=team_b, amount="1")
    with pytest.raises(PermissionDenied):
        forecast.set_target(rep, Q4, user=rep, amount="1")
    with pytest.raises(ValidationError):
        forecast.set_target(manager, Q4, user=rep, amount="-5")
    won_in(deal(rep, "2500", "Won"), "2026-10-20")
    row = next(r for r in forecast.forecast(manager, Q4, "owner").rows if r.key == rep.pk)
    assert row.target == decimal.Decimal("10000.00") and row.attainment == 25
    team_row = forecast.forecast(manager, Q4, "team").rows[0]
    assert team_row.target == decimal.Decimal("50000.00")
    forecast.set_target(manager, Q4, user=rep, amount="")
    assert not SalesTarget.objects.filter(user=rep).exists()


def test_forecast_page_chart_table_and_csv(client, manager, rep):
    forecast.set_target(manager, Q4, user=rep, amount="10000")
    won_in(deal(rep, "2500", "Won"), "2026-10-20")
    client.force_login(manager)
    body = client.get(reverse("deal-forecast"), {"period": "2026-Q4"}).content.decode()
    assert "2,500.00" in body and "10,000.00" in body and "25%" in body
    assert "data-chart" in body and "2027-Q1" in body
    # the chart's won bar opens the deals the rep won in the quarter
    won_link = (
        f"/deals/?owner={rep.pk}&amp;status=won&amp;close_from=2026-10-01&amp;close_to=2026-12-31"
    )
    assert won_link in body
    response = client.get(reverse("deal-forecast"), {"period": "2026-Q4", "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "2500.00" in text and "10000.00" in text
    body = client.get(reverse("deal-forecast"), {"period": "2026-Q9"}).content.decode()
    assert "Enter a quarter such as 2026-Q4" in body
    client.force_login(rep)
    csv = client.get(reverse("deal-forecast"), {"period": "2026-Q4", "format": "csv"})
    assert csv.status_code == 403  # reps may not export


def test_targets_page_saves_all_or_nothing(client, manager, rep, teammate):
    client.force_login(manager)
    url = reverse("sales-targets") + "?period=2026-Q4"
    assert client.get(url).status_code == 200
    bad = {"period": "2026-Q4", f"user-{rep.pk}": "1000", f"user-{teammate.pk}": "abc"}
    body = client.post(url, bad).content.decode()
    assert "Enter an amount such as 12800.00." in body
    assert not SalesTarget.objects.exists()
    good = {"period": "2026-Q4", f"user-{rep.pk}": "1000", f"user-{teammate.pk}": "2000"}
    assert client.post(url, good).status_code == 302
    assert SalesTarget.objects.count() == 2
    client.force_login(rep)
    assert client.get(url).status_code == 403


def test_forecast_and_targets_api(manager, rep):
    won_in(deal(rep, "2500", "Won"), "2026-10-20")
    client = bearer_client(manager)
    response = send(client, "post", "/api/v1/targets",
                    {"period": "2026-Q4", "user_id": rep.pk, "amount": "5000"})  # fmt: skip
    assert response.status_code == 200, response.content
    body = client.get("/api/v1/forecast", {"period": "2026-Q4"}).json()
    row = next(r for r in body["rows"] if r["key"] == rep.pk)
    assert row["won"] == "2500.00" and row["target"] == "5000.00" and row["attainment"] == 50
    assert body["currency"] == "CNY" and body["total"]["won"] == "2500.00"
    assert_validation(client.get("/api/v1/forecast", {"period": "nope"}), "period")
    items = client.get("/api/v1/targets", {"period": "2026-Q4"}).json()["items"]
    assert items == [{"period": "2026-Q4", "user_id": rep.pk, "team_id": None, "amount": "5000.00"}]
    assert bearer_client(rep).get("/api/v1/targets").status_code == 403
    response = send(bearer_client(rep), "post", "/api/v1/targets",
                    {"period": "2026-Q4", "user_id": rep.pk, "amount": "1"})  # fmt: skip
    assert response.status_code == 403
    response = send(client, "post", "/api/v1/targets",
                    {"period": "2026-Q4", "user_id": rep.pk, "amount": None})  # fmt: skip
    assert response.status_code == 204 and not SalesTarget.objects.exists()


def test_a_bad_period_saves_no_targets(client, manager, rep):
    client.force_login(manager)
    response = client.post(reverse("sales-targets"), {"period": "2026-Q9", f"user-{rep.pk}": "5"})
    assert response.status_code == 302 and not SalesTarget.objects.exists()


def test_reps_do_not_see_their_teams_target(manager, rep, team_a):
    forecast.set_target(manager, Q4, team=team_a, amount="50000")
    deal(rep, "100")
    assert forecast.forecast(rep, Q4, "team").rows[0].target is None
    assert forecast.forecast(manager, Q4, "team").rows[0].target == decimal.Decimal("50000.00")


def test_targets_api_refuses_unknown_people_and_null_amounts_on_deals(manager, rep):
    client = bearer_client(manager)
    response = send(client, "post", "/api/v1/targets",
                    {"period": "2026-Q4", "user_id": 999999, "amount": "1"})  # fmt: skip
    assert_validation(response, "user_id")
    made = make_deal(rep, amount="10")
    response = send(bearer_client(rep), "patch", f"/api/v1/deals/{made.pk}", {"amount": None})
    assert_validation(response, "amount")
    assert Deal.objects.get(pk=made.pk).amount == decimal.Decimal("10")


def test_set_targets_saves_all_or_none_and_only_for_the_actors_team(manager, rep, outsider):
    with pytest.raises(ValidationError) as error:
        forecast.set_targets(manager, Q4, {("user", rep.pk): "100", ("user", manager.pk): "-1"})
    assert list(error.value.message_dict) == [f"user-{manager.pk}"]
    assert not SalesTarget.objects.exists()
    with pytest.raises(PermissionDenied):
        forecast.set_targets(manager, Q4, {("user", outsider.pk): "1"})
    forecast.set_targets(manager, Q4, {("user", rep.pk): "100", ("user", manager.pk): "200"})
    assert SalesTarget.objects.count() == 2


def test_the_forecast_charts_links_list_the_deals_behind_each_bar(client, manager, rep):
    won_now = deal(rep, "2500", "Won")
    won_in(won_now, "2026-10-20")
    won_before = deal(rep, "700", "Won")
    won_in(won_before, "2026-09-30")
    open_now = deal(rep, "4000", "Proposal", close="2026-12-31")
    open_later = deal(rep, "900", "Proposal", close="2027-01-01")
    client.force_login(manager)
    page = client.get(reverse("deal-forecast"), {"period": "2026-Q4"}).content.decode()
    links = {
        status: f"/deals/?owner={rep.pk}&status={status}&close_from=2026-10-01&close_to=2026-12-31"
        for status in ("won", "open")
    }

    def listed(url: str) -> set[str]:
        assert url.replace("&", "&amp;") in page
        body = client.get(url).content.decode()
        return {d.name for d in (won_now, won_before, open_now, open_later) if d.name in body}

    assert listed(links["won"]) == {won_now.name}
    assert listed(links["open"]) == {open_now.name}
    # without a status: both kinds, each by its own date
    both = client.get(f"/deals/?owner={rep.pk}&close_from=2026-10-01&close_to=2026-12-31")
    assert {d.name for d in (won_now, won_before, open_now, open_later)
            if d.name in both.content.decode()} == {won_now.name, open_now.name}  # fmt: skip


@pytest.mark.parametrize("day", ["2026-13-01", "tomorrow", "9999-12-31", "0001-01-01"])
def test_a_bad_closing_day_on_the_deal_list_is_named_not_a_crash(client, rep, day):
    client.force_login(rep)
    response = client.get("/deals/", {"close_to": day})
    assert response.status_code == 200
    assert "Enter a date as YYYY-MM-DD between 1900 and 9998." in response.content.decode()


def test_the_forecast_chart_shows_targets_only_where_there_are_some(client, manager, rep):
    deal(rep, "4000", "Proposal", close="2026-12-31")
    client.force_login(manager)
    by_owner = client.get(reverse("deal-forecast"), {"period": "2026-Q4"}).context["chart"]
    assert [s.name for s in by_owner.series] == ["Won", "Weighted pipeline", "Best case"]
    forecast.set_target(manager, Q4, user=rep, amount="10000")
    by_owner = client.get(reverse("deal-forecast"), {"period": "2026-Q4"}).context["chart"]
    assert by_owner.series[-1].name == "Target"
    assert list(by_owner.series[-1].values) == [decimal.Decimal("10000.00")]
    by_pipeline = client.get(reverse("deal-forecast"), {"period": "2026-Q4", "group": "pipeline"})
    assert [s.name for s in by_pipeline.context["chart"].series][-1] == "Best case"
