"""The ROI page: outcomes before and after go-live (or two picked periods), the ROI line worked
out by hand from saved inputs, "—" with a reason instead of a division by zero, and who may see
and change what."""

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kehu.analytics.adoption.recording import add
from kehu.analytics.metrics import Number
from kehu.analytics.roi import compute, services
from kehu.analytics.roi.models import RoiInputs
from kehu.core.models import AuditEntry
from kehu.core.records import VersionConflict
from kehu.sales.models import Deal
from tests.factories import make_deal, stage

pytestmark = pytest.mark.django_db
D = decimal.Decimal
URL = "/roi/"


def won(owner, amount, closed):
    made = make_deal(owner, f"赢单 {amount}", amount=amount)
    moment = datetime.datetime.combine(
        closed, datetime.time(12), tzinfo=timezone.get_current_timezone()
    )
    Deal.objects.filter(pk=made.pk).update(
        stage=stage("Won"), closed_at=moment, created_at=moment - datetime.timedelta(days=10)
    )


@pytest.fixture
def live(rep, teammate, admin_user):
    """Go-live 30 days ago (30 days after, counting today; 30 days before); the rep won 3,000
    before and 9,000 since, the teammate 1,000 since."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=29)
    add(rep.pk, start, {"actions": 1})
    won(rep, "3000", start - datetime.timedelta(days=5))
    won(rep, "9000", start + datetime.timedelta(days=5))
    won(teammate, "1000", start + datetime.timedelta(days=6))
    return start


def test_the_roi_line_by_hand(admin_user, live):
    services.save_inputs(admin_user, {"hosting_monthly": "500", "staff_hours_monthly": "10",
                                      "hourly_rate": "100", "training_monthly": "500",
                                      "gross_margin_percent": "40"})  # fmt: skip
    chosen, errors = compute.periods(admin_user, {})
    assert errors == {} and chosen.go_live == live
    assert (chosen.after.end - chosen.after.start).days + 1 == 30
    assert chosen.before.end == live - datetime.timedelta(days=1)
    rows = compute.comparison(admin_user, chosen)
    revenue = next(r for r in rows if r.metric.key == "revenue_won")
    assert (revenue.before.value, revenue.after.value) == (D("3000.00"), D("10000.00"))
    assert revenue.change == Number(D("7000.00")) and revenue.better is True
    line = compute.roi(services.current_inputs(admin_user), chosen, revenue)
    # 30 days = 30 ÷ 30.4375 months: 3,000 → 3,043.75 and 10,000 → 10,145.83 a month
    assert (line.revenue_before.value, line.revenue_after.value) == (D("3043.75"), D("10145.83"))
    assert line.cost == D("2000.00")  # 500 + 10 × 100 + 500
    assert line.gain.value == D("2840.83")  # (10,145.83 − 3,043.75) × 40 %
    assert line.roi.value == D("42.0")  # (2,840.83 − 2,000) ÷ 2,000


def test_without_costs_the_roi_is_a_dash_with_the_reason(admin_user, live):
    chosen, _ = compute.periods(admin_user, {})
    rows = compute.comparison(admin_user, chosen)
    revenue = next(r for r in rows if r.metric.key == "revenue_won")
    line = compute.roi(services.current_inputs(admin_user), chosen, revenue)
    assert line.roi.value is None and line.roi.reason
    assert line.gain.value == D("7102.08")  # no margin: the whole difference


def test_picked_periods_and_bad_ones(admin_user, live):
    query = {"before_start": "2020-01-01", "before_end": "2020-01-31",
             "after_start": "2020-02-01", "after_end": "2020-02-29"}  # fmt: skip
    chosen, errors = compute.periods(admin_user, query)
    assert errors == {} and chosen.picked
    rows = {r.metric.key: r for r in compute.comparison(admin_user, chosen)}
    assert rows["win_rate"].before.value is None and rows["win_rate"].change.reason
    bad = {**query, "after_end": "2019-12-31", "before_start": "nonsense"}
    chosen, errors = compute.periods(admin_user, bad)
    assert set(errors) == {"before_start"}
    chosen, errors = compute.periods(admin_user, {**query, "after_end": "2019-12-31"})
    assert set(errors) == {"after_end"} and not chosen.picked  # since go-live instead


def test_a_manager_sees_the_teams_numbers_a_rep_nothing(client, rep, manager, live):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    rows = {i["row"].metric.key: i["row"] for i in response.context["rows"]}
    assert rows["revenue_won"].after.value == D("10000.00")
    # the revenue opens the won deals of the period, which the manager's list narrows to theirs
    (revenue,) = [i for i in response.context["rows"] if i["row"].metric.key == "revenue_won"]
    assert revenue["after_link"].startswith("/deals/?status=won&close_from=")
    assert revenue["after_link"] in response.content.decode().replace("&amp;", "&")
    assert not response.context["editable"]
    assert client.post(URL, {"hosting_monthly": "1"}).status_code == 403
    client.force_login(rep)
    assert client.get(URL).status_code == 403
    with pytest.raises(PermissionDenied):
        services.save_inputs(manager, {"hosting_monthly": "1"})


def test_an_admin_saves_the_inputs_audited_and_bad_input_saves_nothing(client, admin_user, live):
    client.force_login(admin_user)
    form = {"hosting_monthly": "500", "staff_hours_monthly": "10", "hourly_rate": "100",
            "training_monthly": "500", "gross_margin_percent": "", "version": "1"}  # fmt: skip
    response = client.post(URL, form)
    assert response.status_code == 302
    saved = RoiInputs.objects.get()
    # version 1 is the zeros shown before anyone saved; the first save makes version 2
    assert (saved.hosting_monthly, saved.gross_margin_percent, saved.version) == (D(500), None, 2)
    assert AuditEntry.objects.filter(object_id=saved.pk, action="create").exists()
    form["version"] = "2"
    response = client.post(URL, {**form, "hosting_monthly": "-1"})
    assert response.status_code == 200
    assert "hosting_monthly" in response.context["form"].errors
    response = client.post(URL, {**form, "gross_margin_percent": "120"})
    assert "gross_margin_percent" in response.context["form"].errors
    assert RoiInputs.objects.get().hosting_monthly == D(500)
    client.post(URL, {**form, "hosting_monthly": "600"})
    assert RoiInputs.objects.get().version == 3
    response = client.post(URL, {**form, "hosting_monthly": "700"})  # read at 2: stale
    assert response.status_code == 200 and RoiInputs.objects.get().hosting_monthly == D(600)
    assert "ROI" in response.content.decode()


def test_the_service_names_each_bad_field(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.save_inputs(admin_user, {"hourly_rate": "abc", "staff_hours_monthly": "1e99"})
    assert set(caught.value.message_dict) == {"hourly_rate", "staff_hours_monthly"}
    with pytest.raises(VersionConflict):
        services.save_inputs(admin_user, {"hosting_monthly": "1"}, expected_version=5)
    assert not RoiInputs.objects.exists()


def test_before_anyone_used_kehu_the_page_says_so(client, admin_user):
    client.force_login(admin_user)
    response = client.get(URL)
    assert response.status_code == 200
    # the admin's own visit made today the go-live: one day against the day before
    assert response.context["chosen"] is not None
