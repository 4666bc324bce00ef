"""The staff adoption page and the ROI page in a browser: a manager reads their team's week,
the trend chart and a neglected deal (and opens it); an administrator enters the CRM's costs,
meets a clear error, and reads the ROI line. On a desktop in English and on a 390 px phone in
Chinese, neither page scrolling sideways."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.analytics.adoption.recording import add
from kehu.sales.models import Deal
from tests.e2e.helpers import login
from tests.e2e.test_page_walk import OVERFLOW
from tests.factories import make_deal, make_team, make_user, stage

SCREENS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
CASES = [("desktop", "en"), ("phone", "zh-hans")]
WORDS = {
    "en": {
        "adoption": "Staff adoption",
        "trend": "Trend since go-live",
        "roi": "Return on investment",
        "save": "Save",
        "bad": "Ensure this value is less than or equal to 100",
    },
    "zh-hans": {
        "adoption": "员工参与",
        "trend": "自上线以来的趋势",
        "roi": "投资回报",
        "save": "保存",
        "bad": "100",
    },
}


def days_ago(n: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=n)


@pytest.mark.parametrize(("screen", "language"), CASES)
def test_a_manager_reads_the_teams_adoption_and_opens_a_neglected_deal(
    new_page, server_errors, screen, language
):
    team = make_team("华东组")
    make_user("boss", role="Manager", team=team, language=language)
    rep = make_user("xiao.wang", role="Sales rep", team=team, first_name="小王")
    stranger = make_user("stranger", role="Sales rep", team=make_team("别组"))
    today = timezone.localdate()
    add(rep.pk, today - datetime.timedelta(days=today.weekday()), {"calls": 3, "actions": 3})
    add(rep.pk, today - datetime.timedelta(days=21), {"notes": 1, "actions": 1})
    quiet = make_deal(rep, "沉睡的商机")
    Deal.objects.filter(pk=quiet.pk).update(created_at=days_ago(45), updated_at=days_ago(45))
    hidden = make_deal(stranger, "别组的商机")
    Deal.objects.filter(pk=hidden.pk).update(created_at=days_ago(45), updated_at=days_ago(45))
    page = new_page(**SCREENS[screen])
    login(page, "boss")
    page.goto("/adoption/")
    words = WORDS[language]
    expect(page.get_by_role("heading", level=1)).to_contain_text(words["adoption"])
    people = page.get_by_test_id("adoption-people")
    expect(people).to_contain_text("小王")
    expect(people).not_to_contain_text("stranger")
    expect(page.get_by_role("heading", name=words["trend"])).to_be_visible()
    expect(page.locator("[data-chart-canvas] svg").first).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("别组的商机")
    assert page.evaluate(OVERFLOW) is None
    page.get_by_test_id("neglected-deals").get_by_role("link", name="沉睡的商机").click()
    expect(page).to_have_url(f"{page.url.split('/deals/')[0]}/deals/{quiet.pk}/")


@pytest.mark.parametrize(("screen", "language"), CASES)
def test_an_admin_enters_the_costs_and_reads_the_roi(new_page, server_errors, screen, language):
    admin = make_user("boss", role="Administrator", language=language)
    today = timezone.localdate()
    go_live = today - datetime.timedelta(days=29)
    add(admin.pk, go_live, {"actions": 1})
    for amount, closed in (("3000", go_live - datetime.timedelta(days=3)),
                           ("9000", go_live + datetime.timedelta(days=3))):  # fmt: skip
        deal = make_deal(admin, f"赢单 {amount}", amount=amount)
        zone = timezone.get_current_timezone()
        moment = datetime.datetime.combine(closed, datetime.time(12), tzinfo=zone)
        made = moment - datetime.timedelta(days=9)
        won = {"stage": stage("Won"), "closed_at": moment, "created_at": made}
        Deal.objects.filter(pk=deal.pk).update(**won)
    page = new_page(**SCREENS[screen])
    login(page, "boss")
    page.goto("/roi/")
    words = WORDS[language]
    expect(page.get_by_test_id("roi-outcomes")).to_contain_text("3,000.00")
    expect(page.get_by_test_id("roi-outcomes")).to_contain_text("9,000.00")
    expect(page.get_by_test_id("roi-value")).to_have_text("—")  # no costs yet
    form = page.get_by_test_id("roi-inputs")
    form.locator("input[name=hosting_monthly]").fill("500")
    form.locator("input[name=staff_hours_monthly]").fill("10")
    form.locator("input[name=hourly_rate]").fill("100")
    form.locator("input[name=training_monthly]").fill("500")
    # the browser refuses 150 % before sending it; the server says why too
    form.locator("input[name=gross_margin_percent]").evaluate("e => e.removeAttribute('max')")
    form.locator("input[name=gross_margin_percent]").fill("150")
    form.get_by_role("button", name=words["save"]).click()
    expect(page.locator(".errorlist")).to_contain_text(words["bad"])
    assert page.evaluate(OVERFLOW) is None
    form = page.get_by_test_id("roi-inputs")
    form.locator("input[name=gross_margin_percent]").fill("40")
    form.get_by_role("button", name=words["save"]).click()
    # 30 days each: 3,000 → 3,043.75 and 9,000 → 9,131.25 a month; gain 40 % of 6,087.50 =
    # 2,435.00; cost 500 + 10 × 100 + 500 = 2,000; ROI (2,435 − 2,000) ÷ 2,000 = 21.75 %
    expect(page.get_by_test_id("roi-value")).to_have_text("21.8%")
    expect(page.get_by_test_id("roi-line")).to_contain_text("2,000.00")
    expect(page.get_by_role("heading", name=words["roi"], exact=True)).to_be_visible()
    assert page.evaluate(OVERFLOW) is None
